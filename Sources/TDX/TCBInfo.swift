import DevProofCore

/// TCB status values of Intel's TCB info / QE identity, with dcap-qvl's severity order.
public enum TCBStatus: String, Sendable, Equatable, CaseIterable {
    case upToDate = "UpToDate"
    case swHardeningNeeded = "SWHardeningNeeded"
    case configurationNeeded = "ConfigurationNeeded"
    case configurationAndSWHardeningNeeded = "ConfigurationAndSWHardeningNeeded"
    case outOfDate = "OutOfDate"
    case outOfDateConfigurationNeeded = "OutOfDateConfigurationNeeded"
    case revoked = "Revoked"
    /// TD 1.5 only (derived, never read from TCB info): the TD runs an out-of-date TDX module while the
    /// current one (TEE_TCB_SVN2) is up to date, so relaunching the TD would fix it.
    case tdRelaunchAdvised = "TDRelaunchAdvised"
    case tdRelaunchAdvisedConfigurationNeeded = "TDRelaunchAdvisedConfigurationNeeded"

    /// Statuses a platform TCB level may carry.
    public static let platformLevelStatuses: Set<TCBStatus> = [.upToDate, .swHardeningNeeded, .configurationNeeded,
        .configurationAndSWHardeningNeeded, .outOfDate, .outOfDateConfigurationNeeded, .revoked]
    /// Statuses a TDX module identity level may carry (dcap-qvl 0.7 / Intel QVL).
    public static let moduleLevelStatuses: Set<TCBStatus> = [.upToDate, .outOfDate, .revoked]
    /// Statuses a QE identity level may carry (dcap-qvl 0.7 / Intel QVL).
    public static let qeLevelStatuses: Set<TCBStatus> = [.upToDate, .outOfDate, .revoked, .configurationNeeded, .outOfDateConfigurationNeeded]

    public var severity: Int {
        switch self {
        case .upToDate: return 0
        case .swHardeningNeeded: return 1
        case .configurationNeeded: return 2
        case .configurationAndSWHardeningNeeded: return 3
        case .outOfDate: return 4
        case .tdRelaunchAdvised: return 4
        case .tdRelaunchAdvisedConfigurationNeeded: return 5
        case .outOfDateConfigurationNeeded: return 5
        case .revoked: return 6
        }
    }
}

/// A status with its advisory IDs (one matched TCB level, or a merge of several).
public struct TCBVerdict: Sendable, Equatable {
    public var status: TCBStatus
    public var advisoryIDs: [String]
    public init(_ status: TCBStatus, _ advisoryIDs: [String] = []) { self.status = status; self.advisoryIDs = advisoryIDs }

    /// dcap-qvl 0.5: the worse status; advisory IDs of `self` then `other`'s new ones.
    public func merged(_ other: TCBVerdict) -> TCBVerdict {
        TCBVerdict(other.status.severity > status.severity ? other.status : status, union(other))
    }

    /// Intel QVL convergence (`convergeTcbStatusWithQeTcbStatus` / `...WithTdxModuleStatus`), which
    /// dcap-qvl 0.7 follows: an OutOfDate QE / module turns UpToDate / SWHardeningNeeded / TDRelaunchAdvised
    /// into OutOfDate and the ConfigurationNeeded kinds into OutOfDateConfigurationNeeded; Revoked makes
    /// Revoked; any other status of `other` leaves the platform status as it is. Advisory IDs: union, in order.
    public func converged(_ other: TCBVerdict) -> TCBVerdict {
        var s = status
        switch other.status {
        case .revoked: s = .revoked
        case .outOfDate:
            switch status {
            case .upToDate, .swHardeningNeeded, .tdRelaunchAdvised: s = .outOfDate
            case .configurationNeeded, .configurationAndSWHardeningNeeded, .tdRelaunchAdvisedConfigurationNeeded:
                s = .outOfDateConfigurationNeeded
            default: break
            }
        default: break
        }
        return TCBVerdict(s, union(other))
    }

    private func union(_ other: TCBVerdict) -> [String] {
        var ids = advisoryIDs
        for a in other.advisoryIDs where !ids.contains(a) { ids.append(a) }
        return ids
    }
}

struct DecodeError: Error { let message: String; init(_ m: String) { message = m } }

private func field(_ v: JSONValue, _ k: String) throws -> JSONValue {
    guard let x = v[k] else { throw DecodeError("missing field `\(k)`") }
    return x
}
private func string(_ v: JSONValue, _ k: String) throws -> String {
    guard let s = try field(v, k).stringValue else { throw DecodeError("`\(k)` must be a string") }
    return s
}
private func uint(_ v: JSONValue, _ k: String, max: UInt64) throws -> UInt64 {
    guard let lit = try field(v, k).numberLiteral, let n = UInt64(lit), n <= max else {
        throw DecodeError("`\(k)` must be an integer in 0...\(max)")
    }
    return n
}
private func array(_ v: JSONValue, _ k: String) throws -> [JSONValue] {
    guard let a = try field(v, k).arrayValue else { throw DecodeError("`\(k)` must be an array") }
    return a
}
private func hexFixed(_ v: JSONValue, _ k: String, _ n: Int) throws -> Bytes {
    let s = try string(v, k)
    guard let b = try? Hex.decode(s), b.count == n, !s.hasPrefix("0x") else { throw DecodeError("`\(k)` must be \(n) bytes of hex") }
    return b
}
private func status(_ v: JSONValue) throws -> TCBStatus {
    let s = try string(v, "tcbStatus")
    guard let st = TCBStatus(rawValue: s) else { throw DecodeError("unknown tcbStatus `\(s)`") }
    return st
}
private func advisories(_ v: JSONValue) throws -> [String] {
    guard let a = v["advisoryIDs"] else { return [] }
    guard let arr = a.arrayValue else { throw DecodeError("`advisoryIDs` must be an array") }
    return try arr.map { guard let s = $0.stringValue else { throw DecodeError("advisory IDs must be strings") }; return s }
}
private func components(_ tcb: JSONValue, _ k: String, required: Bool) throws -> [UInt8] {
    guard let a = tcb[k] else {
        if required { throw DecodeError("missing field `\(k)`") }
        return []
    }
    guard let arr = a.arrayValue else { throw DecodeError("`\(k)` must be an array") }
    return try arr.map { UInt8(try uint($0, "svn", max: 255)) }
}
private func rfc3339(_ s: String, _ what: String) throws -> Int64 {
    guard let t = TimeInput.parseRFC3339(s) else { throw DecodeError("cannot parse \(what) `\(s)`") }
    return t
}

/// Intel TCB info (v2/v3), parsed from the exact signed JSON text.
public struct TCBInfo: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        public let sgxComponents: [UInt8]
        public let tdxComponents: [UInt8]
        public let pceSVN: UInt16
        public let tcbDate: String
        public let verdict: TCBVerdict
    }
    public struct ModuleLevel: Sendable, Equatable {
        public let isvSVN: UInt8
        public let tcbDate: String
        public let verdict: TCBVerdict
    }
    public struct Module: Sendable, Equatable {
        public let mrSigner: String
        public let attributes: String
        public let attributesMask: String
    }
    public struct ModuleIdentity: Sendable, Equatable {
        public let id: String
        public let module: Module
        public let levels: [ModuleLevel]
    }

    public let id: String
    public let version: Int
    public let issueDate: Int64
    public let nextUpdate: Int64
    public let issueDateText: String
    public let nextUpdateText: String
    public let fmspc: String
    public let pceID: String
    public let tcbType: Int
    public let tcbEvaluationDataNumber: Int
    /// Levels in canonical order (dcap-qvl / Intel QVL: descending by SGX components, PCESVN, TDX components).
    public let levels: [Level]
    public let tdxModule: Module?
    public let tdxModuleIdentities: [ModuleIdentity]

    public static func parse(_ text: String) throws -> TCBInfo {
        let v: JSONValue
        do { v = try JSONParser.parse(text) } catch let e as JSONParseError { throw DecodeError(e.description) }
        let id = try string(v, "id")
        let version = Int(try uint(v, "version", max: 255))
        let issue = try string(v, "issueDate"), next = try string(v, "nextUpdate")
        let fmspc = try string(v, "fmspc"), pceID = try string(v, "pceId")
        let tcbType = Int(try uint(v, "tcbType", max: UInt64(UInt32.max)))
        let eval = Int(try uint(v, "tcbEvaluationDataNumber", max: UInt64(UInt32.max)))
        var levels = try array(v, "tcbLevels").map { l -> Level in
            let tcb = try field(l, "tcb")
            return Level(sgxComponents: try components(tcb, "sgxtcbcomponents", required: true),
                         tdxComponents: try components(tcb, "tdxtcbcomponents", required: false),
                         pceSVN: UInt16(try uint(tcb, "pcesvn", max: 65535)),
                         tcbDate: try string(l, "tcbDate"), verdict: TCBVerdict(try status(l), try advisories(l)))
        }
        func module(_ m: JSONValue) throws -> Module {
            Module(mrSigner: try string(m, "mrsigner"), attributes: try string(m, "attributes"),
                   attributesMask: try string(m, "attributesMask"))
        }
        var tdxModule: Module?
        if let m = v["tdxModule"], !m.isNull { tdxModule = try module(m) }
        var identities = [ModuleIdentity]()
        if let ids = v["tdxModuleIdentities"] {
            guard let arr = ids.arrayValue else { throw DecodeError("`tdxModuleIdentities` must be an array") }
            identities = try arr.map { m in
                ModuleIdentity(id: try string(m, "id"), module: try module(m),
                               levels: try array(m, "tcbLevels").map { l in
                                   ModuleLevel(isvSVN: UInt8(try uint(try field(l, "tcb"), "isvsvn", max: 255)),
                                               tcbDate: try string(l, "tcbDate"),
                                               verdict: TCBVerdict(try status(l), try advisories(l)))
                               })
            }
        }
        // Canonical order: stable sort, descending (lexicographic SGX components, then PCESVN, then TDX components for TDX v3+).
        let isTDX = version >= 3 && id == "TDX"
        levels = stableSorted(levels) { a, b in
            if a.sgxComponents != b.sgxComponents { return a.sgxComponents.lexicographicallyPrecedes(b.sgxComponents) == false }
            if a.pceSVN != b.pceSVN { return a.pceSVN > b.pceSVN }
            if isTDX, a.tdxComponents != b.tdxComponents { return !a.tdxComponents.lexicographicallyPrecedes(b.tdxComponents) }
            return false
        }
        return TCBInfo(id: id, version: version, issueDate: try rfc3339(issue, "TCB info issueDate"),
                       nextUpdate: try rfc3339(next, "TCB info nextUpdate"), issueDateText: issue, nextUpdateText: next,
                       fmspc: fmspc, pceID: pceID, tcbType: tcbType, tcbEvaluationDataNumber: eval, levels: levels,
                       tdxModule: tdxModule, tdxModuleIdentities: identities)
    }
}

/// "a before b" for a strict descending order; a stable insertion-based merge sort.
func stableSorted<T>(_ a: [T], _ before: (T, T) -> Bool) -> [T] {
    a.enumerated().sorted { x, y in
        if before(x.element, y.element) { return true }
        if before(y.element, x.element) { return false }
        return x.offset < y.offset
    }.map(\.element)
}

/// Intel QE identity (enclave identity v2) for the QE / TD_QE.
public struct QEIdentity: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        public let isvSVN: UInt16
        public let tcbDate: String
        public let verdict: TCBVerdict
    }
    public let id: String
    public let version: Int
    public let issueDate: Int64
    public let nextUpdate: Int64
    public let issueDateText: String
    public let nextUpdateText: String
    public let tcbEvaluationDataNumber: Int
    public let miscSelect: Bytes
    public let miscSelectMask: Bytes
    public let attributes: Bytes
    public let attributesMask: Bytes
    public let mrSigner: Bytes
    public let isvProdID: UInt16
    /// Levels in JSON order (Intel publishes them descending).
    public let levels: [Level]

    public static func parse(_ text: String) throws -> QEIdentity {
        let v: JSONValue
        do { v = try JSONParser.parse(text) } catch let e as JSONParseError { throw DecodeError(e.description) }
        let issue = try string(v, "issueDate"), next = try string(v, "nextUpdate")
        return QEIdentity(
            id: try string(v, "id"), version: Int(try uint(v, "version", max: 255)),
            issueDate: try rfc3339(issue, "QE identity issueDate"), nextUpdate: try rfc3339(next, "QE identity nextUpdate"),
            issueDateText: issue, nextUpdateText: next,
            tcbEvaluationDataNumber: Int(try uint(v, "tcbEvaluationDataNumber", max: UInt64(UInt32.max))),
            miscSelect: try hexFixed(v, "miscselect", 4), miscSelectMask: try hexFixed(v, "miscselectMask", 4),
            attributes: try hexFixed(v, "attributes", 16), attributesMask: try hexFixed(v, "attributesMask", 16),
            mrSigner: try hexFixed(v, "mrsigner", 32), isvProdID: UInt16(try uint(v, "isvprodid", max: 65535)),
            levels: try array(v, "tcbLevels").map { l in
                Level(isvSVN: UInt16(try uint(try field(l, "tcb"), "isvsvn", max: 65535)), tcbDate: try string(l, "tcbDate"),
                      verdict: TCBVerdict(try status(l), try advisories(l)))
            })
    }
}
