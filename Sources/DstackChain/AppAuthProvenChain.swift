import DevProofCore
import EVM

/// `AppAuthRPCChain` under `--trusted-block`: the DstackApp views the layout covers are answered from storage
/// proven against the trusted header (and compared with the provider's `eth_call`); every other answer (calls on
/// other contracts, simulations, logs) is recorded as `eth_call (unproven)` with the checks that rest on it.
extension AppAuthRPCChain {
    typealias F = AppAuthABI.Function

    /// Checks that rest on who controls the app and how fast (owner, timelock, simulations, logs).
    public static let controlChecks = ["appauth.notice_period", "appauth.instant_path", "appauth.owner", "appauth.pending",
                                       "appauth.upgrades_disabled", "appauth.kind"]
    static let logChecks = controlChecks + ["appauth.allowed_hashes", "appauth.devices"]

    static func checks(for f: F?) -> [String] {
        switch f {
        case .allowedComposeHashes?: return ["appauth.running_allowed", "appauth.allowed_hashes"]
        case .allowedDeviceIds?, .allowAnyDevice?: return ["appauth.devices"]
        case .requireTcbUpToDate?: return ["appauth.tcb_required"]
        case .supportsInterface?, .version?: return ["appauth.kind"]
        default: return controlChecks
        }
    }

    static func text(_ r: AppAuthCallResult) -> String {
        switch r {
        case .returned(let d): return d.count == 32 ? d.hex0x : "\(d.count) bytes \(Array(d.prefix(64)).hex0x)"
        case .reverted(let why): return "reverted" + (why.map { " (\($0))" } ?? "")
        case .failed(let why): return "not run (\(why.prefix(80)))"
        }
    }

    static func bool(_ r: AppAuthCallResult) -> String {
        if case .returned(let d) = r, d.count == 32, d[..<31].allSatisfy({ $0 == 0 }), d[31] <= 1 { return d[31] == 1 ? "true" : "false" }
        return text(r)
    }

    static func address(_ r: AppAuthCallResult) -> String {
        if case .returned(let d) = r, d.count >= 32, d[..<12].allSatisfy({ $0 == 0 }), let a = try? Address(bytes: Array(d[12..<32])) {
            return a.checksummed
        }
        return text(r)
    }

    static func word(_ b: Bool) -> AppAuthCallResult { .returned(Bytes(repeating: 0, count: 31) + [b ? 1 : 0]) }
    static func word(_ a: Address) -> AppAuthCallResult { .returned(Bytes(repeating: 0, count: 12) + a.bytes) }

    func provenView(_ p: DstackProvenReads, to: Address, data: Bytes, from: Address?, _ answer: AppAuthCallResult) throws -> AppAuthCallResult {
        let sel = Array(data.prefix(4))
        let f = F.allCases.first { $0.selector == sel }
        let arg = data.count >= 36 ? Array(data[4..<36]) : nil
        let name = (f?.name ?? sel.hex0x) + (arg.map { "(\($0.hex0x))" } ?? "()") + (from.map { " simulated from \($0.checksummed)" } ?? "")
        guard from == nil, to == provenApp, try isDstackApp(to) else {
            p.unproven(name, on: to, Self.text(answer), checks: from == nil ? Self.checks(for: f) : Self.controlChecks)
            return answer
        }
        let checks = Self.checks(for: f)
        switch (f, arg) {
        case (.allowedComposeHashes?, let h?): return Self.word(try p.allowedComposeHash(to, h, call: Self.bool(answer), checks: checks))
        case (.allowedDeviceIds?, let d?): return Self.word(try p.allowedDevice(to, d, call: Self.bool(answer), checks: checks))
        case (.allowAnyDevice?, _): return Self.word(try p.allowAnyDevice(to, call: Self.bool(answer), checks: checks))
        case (.requireTcbUpToDate?, _): return Self.word(try p.requireTcbUpToDate(to, call: Self.bool(answer), checks: checks))
        case (.owner?, _): return Self.word(try p.owner(to, call: Self.address(answer), checks: checks))
        case (.pendingOwner?, _): return Self.word(try p.pendingOwner(to, call: Self.address(answer), checks: checks))
        default:
            p.unproven(name, on: to, Self.text(answer), checks: checks)
            return answer
        }
    }

    func isDstackApp(_ app: Address) throws -> Bool {
        if let known = appIsDstackApp { return known }
        let yes = try DstackProvenReads.runsDstackApp(pinned, app)
        appIsDstackApp = yes
        return yes
    }
}
