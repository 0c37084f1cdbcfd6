import DevProofCore

/// Reference values for the OS part of the TD: MRTD and RTMR0-2.
public struct OSReference: Sendable, Equatable {
    public var mrTD: Bytes
    public var rtmr0: Bytes
    public var rtmr1: Bytes
    public var rtmr2: Bytes
    public init(mrTD: Bytes, rtmr0: Bytes, rtmr1: Bytes, rtmr2: Bytes) {
        self.mrTD = mrTD; self.rtmr0 = rtmr0; self.rtmr1 = rtmr1; self.rtmr2 = rtmr2
    }

    /// `--os-ref FILE`: JSON with mrtd, rtmr0, rtmr1, rtmr2 (hex, optional 0x; `mr_td` also accepted).
    public static func parse(_ v: JSONValue, name: String) throws -> OSReference {
        func get(_ keys: [String]) throws -> Bytes {
            for k in keys {
                if let s = v[k]?.stringValue {
                    guard let b = try? Hex.decode(s), b.count == 48 else {
                        throw DevProofError.malformed("\(name): '\(k)' must be 48 bytes of hex")
                    }
                    return b
                }
            }
            throw DevProofError.malformed("\(name): missing '\(keys[0])' (an OS reference needs mrtd, rtmr0, rtmr1, rtmr2)")
        }
        return OSReference(mrTD: try get(["mrtd", "mr_td", "MRTD"]), rtmr0: try get(["rtmr0", "RTMR0"]),
                           rtmr1: try get(["rtmr1", "RTMR1"]), rtmr2: try get(["rtmr2", "RTMR2"]))
    }
}

/// dstack "lite" OS measurement (spec §3.5; dstack-mr's no-image-download path): MRTD and RTMR0-2
/// computed from `vm_config.tdx_measurement` (`sha256sum.txt` + `measurement.tdx.cbor`) and the three
/// ACPI digests of the event log. Binds the quote's OS registers to `vm_config.os_image_hash`.
public enum LiteMeasurement {
    public struct Result: Sendable {
        public var reference: OSReference
        public var details: [(String, JSONValue)]
    }

    public static let stableMinMemory: UInt64 = 0xB000_0000
    public static let compat2GMemory: UInt64 = 0x8000_0000

    /// The ACPI DATA events of RTMR0 (acpi-loader, acpi-rsdp, acpi-tables; event type 10), in order.
    public static func acpiDigests(_ log: EventLog) -> [Bytes] {
        log.events.filter { $0.imr == 0 && $0.eventType == 10 }.map(\.digest)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    public static func compute(vmConfig vc: JSONValue, acpiDigests: [Bytes]) throws -> Result {
        func fail(_ m: String) -> Failure { Failure(description: m) }
        guard let tm = vc["tdx_measurement"], case .object = tm else { throw fail("vm_config has no tdx_measurement object") }
        guard let csB64 = tm["checksum_file"]?.stringValue, let mB64 = tm["measurement"]?.stringValue,
              let checksum = try? Base64.decode(csB64), let cbor = try? Base64.decode(mB64) else {
            throw fail("tdx_measurement.checksum_file / .measurement must be base64")
        }
        guard let osHex = vc["os_image_hash"]?.stringValue, let osHash = try? Hex.decode(osHex), osHash.count == 32 else {
            throw fail("vm_config.os_image_hash missing or not 32 bytes of hex")
        }
        var details: [(String, JSONValue)] = [("os_image_hash", .hex(osHash))]
        // 1. The measurement material belongs to the claimed OS image.
        let csHash = Digest.sha256(checksum)
        guard bytesEqual(csHash, osHash) else {
            throw fail("sha256(sha256sum.txt) = \(csHash.hex.prefix(16))… ≠ vm_config.os_image_hash \(osHex.prefix(16))…")
        }
        let entry = try sha256sumEntry(checksum, "measurement.tdx.cbor")
        guard bytesEqual(entry, Digest.sha256(cbor)) else {
            throw fail("measurement.tdx.cbor does not match its sha256sum.txt entry")
        }
        details.append(("checksum_file_verified", .bool(true)))
        // 2. Decode the CBOR document (version 3).
        var r = CBORReader(cbor)
        let doc: CBOR
        do { doc = try r.item(depth: 0) } catch let e as ByteReaderError { throw fail("measurement.tdx.cbor: \(e.message)") }
        guard r.isAtEnd else { throw fail("measurement.tdx.cbor has trailing bytes") }
        guard doc["version"]?.uint == 3 else { throw fail("measurement.tdx.cbor version \(doc["version"]?.uint.map(String.init) ?? "?") (expected 3)") }
        func b48(_ v: CBOR?, _ what: String) throws -> Bytes {
            guard let b = v?.bytes, b.count == 48 else { throw fail("measurement.tdx.cbor \(what) must be 48 bytes") }
            return b
        }
        let image = doc["image"], tdvf = doc["tdvf"]
        let cmdline = try b48(image?["cmdline_sha384"], "image.cmdline_sha384")
        let kernel = try b48(image?["kernel_authenticode"], "image.kernel_authenticode")
        let initrd = try b48(image?["initrd_sha384"], "image.initrd_sha384")
        guard let ovmf = tdvf?["ovmf"]?.text else { throw fail("measurement.tdx.cbor tdvf.ovmf missing") }
        guard ovmf == "pre202505" else { throw fail("OVMF variant '\(ovmf)' has no known RTMR0 layout") }
        let single = try b48(tdvf?["mrtd"]?["single_pass"], "tdvf.mrtd.single_pass")
        let two = try b48(tdvf?["mrtd"]?["two_pass"], "tdvf.mrtd.two_pass")
        guard let witness = tdvf?["td_hob"]?.bytes else { throw fail("measurement.tdx.cbor tdvf.td_hob missing") }
        // 3. VM shape.
        guard let mem = vc["memory_size"]?.int64Value, mem > 0 else { throw fail("vm_config.memory_size missing") }
        let memory = UInt64(mem)
        guard memory == compat2GMemory || memory >= stableMinMemory else {
            throw fail("lite measurement needs memory_size == 2 GiB or ≥ 0xB0000000 bytes; got \(memory)")
        }
        let twoPass = try twoPassAddPages(vc)
        details.append(("mrtd_candidate", .string(twoPass ? "two_pass" : "single_pass")))
        guard acpiDigests.count == 3, acpiDigests.allSatisfy({ $0.count == 48 }) else {
            throw fail("the event log must carry exactly 3 ACPI DATA digests in RTMR0 (found \(acpiDigests.count))")
        }
        // 4. Registers.
        let hob = try tdHobHash(witness, memorySize: memory)
        let rtmr0 = replay(rtmr0Log(tdHobHash: hob, acpi: acpiDigests))
        let rtmr1 = replay([kernel, Digest.sha384(Array("Calling EFI Application from Boot Option".utf8)),
                            Digest.sha384([0, 0, 0, 0]), Digest.sha384(Array("Exit Boot Services Invocation".utf8)),
                            Digest.sha384(Array("Exit Boot Services Returned with Success".utf8))])
        let rtmr2 = replay([cmdline, initrd])
        details.append(("td_hob_sha384", .hex(hob)))
        return Result(reference: OSReference(mrTD: twoPass ? two : single, rtmr0: rtmr0, rtmr1: rtmr1, rtmr2: rtmr2), details: details)
    }

    /// dstack feeds `vm_config.qemu_single_pass_add_pages` into `two_pass_add_pages` (sic, every caller);
    /// absent: two-pass iff QEMU 8.x (default version 9.1.0; < 8.0 unsupported).
    static func twoPassAddPages(_ vc: JSONValue) throws -> Bool {
        if let b = vc["qemu_single_pass_add_pages"]?.boolValue { return b }
        let v = vc["qemu_version"]?.stringValue ?? "9.1.0"
        let parts = v.split(separator: ".").map { UInt32($0) }
        guard parts.count == 3, let a = parts[0], let b = parts[1], let c = parts[2] else {
            throw Failure(description: "vm_config.qemu_version '\(v)' is not major.minor.patch")
        }
        let t = (a, b, c)
        guard t >= (8, 0, 0) else { throw Failure(description: "QEMU \(v) is not supported (< 8.0.0)") }
        return t < (9, 0, 0)
    }

    static func replay(_ log: [Bytes]) -> Bytes {
        var mr = Bytes(repeating: 0, count: 48)
        for d in log { mr = Digest.sha384(mr + d) }
        return mr
    }

    static func sha256sumEntry(_ file: Bytes, _ name: String) throws -> Bytes {
        guard let text = String(validating: file, as: UTF8.self) else { throw Failure(description: "sha256sum.txt is not UTF-8") }
        var found: Bytes?
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, parts[1] == name else { continue }
            guard found == nil else { throw Failure(description: "sha256sum.txt lists \(name) twice") }
            guard let h = try? Hex.decode(String(parts[0])), h.count == 32 else { throw Failure(description: "sha256sum.txt \(name) hash is not 32 bytes of hex") }
            found = h
        }
        guard let found else { throw Failure(description: "sha256sum.txt has no \(name) entry") }
        return found
    }

    /// GUID text → bytes (first three groups little-endian).
    static func guid(_ s: String) -> Bytes {
        var out = Bytes()
        for (i, g) in s.split(separator: "-").enumerated() {
            let b = (try? Hex.decode(String(g))) ?? []
            out += i <= 2 ? b.reversed() : b
        }
        return out
    }

    static func efiVariable(_ vendor: String, _ name: String) -> Bytes {
        let utf16 = name.utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }
        return Digest.sha384(guid(vendor) + Bytes.le(UInt64(name.utf16.count)) + Bytes.le(UInt64(0)) + utf16)
    }

    static func rtmr0Log(tdHobHash: Bytes, acpi: [Bytes]) -> [Bytes] {
        let cfv = (try? Hex.decode("344BC51C980BA621AAA00DA3ED7436F7D6E549197DFE699515DFA2C6583D95E6412AF21C097D473155875FFD561D6790")) ?? []
        let boot0000 = (try? Hex.decode("23ADA07F5261F12F34A0BD8E46760962D6B4D576A416F1FEA1C64BC656B1D28EACF7047AE6E967C58FD2A98BFA74C298")) ?? []
        let global = "8BE4DF61-93CA-11D2-AA0D-00E098032B8C", db = "D719B2CB-3D3A-4596-A3BC-DAD00E67656F"
        return [tdHobHash, cfv, efiVariable(global, "SecureBoot"), efiVariable(global, "PK"), efiVariable(global, "KEK"),
                efiVariable(db, "db"), efiVariable(db, "dbx"), Digest.sha384([0, 0, 0, 0])]
            + acpi + [Digest.sha384([0, 0]), boot0000]
    }

    /// The TD HOB that TDVF measures first into RTMR0, rebuilt from the compact witness
    /// (varuint base page, HOB page delta, accepted ranges) and the guest memory size.
    static func tdHobHash(_ witness: Bytes, memorySize: UInt64) throws -> Bytes {
        var i = 0
        func varuint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < witness.count else { throw Failure(description: "TD HOB witness truncated") }
                let b = witness[i]; i += 1
                v |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
                guard shift < 64 else { throw Failure(description: "TD HOB witness varuint too large") }
            }
        }
        func page(_ p: UInt64) throws -> UInt64 {
            let (m, o) = p.multipliedReportingOverflow(by: 0x1000)
            guard !o else { throw Failure(description: "TD HOB witness address overflow") }
            return m
        }
        let base = try varuint(), hobDelta = try varuint(), count = try varuint()
        guard count < 1 << 16 else { throw Failure(description: "TD HOB witness range count too large") }
        let (hobPage, o1) = base.addingReportingOverflow(hobDelta)
        guard !o1 else { throw Failure(description: "TD HOB witness address overflow") }
        let hobBase = try page(hobPage)
        // Memory acceptor: ranges (accepted, start, end) sorted by start.
        var ranges: [(Bool, UInt64, UInt64)] = [(false, 0, memorySize)]
        for _ in 0..<count {
            let startDelta = try varuint(), pages = try varuint()
            let (sp, o2) = base.addingReportingOverflow(startDelta)
            guard !o2 else { throw Failure(description: "TD HOB witness address overflow") }
            let start = try page(sp), len = try page(pages)
            let (end, o3) = start.addingReportingOverflow(len)
            guard !o3 else { throw Failure(description: "TD HOB witness address overflow") }
            guard start < end else { continue }
            var next = [(Bool, UInt64, UInt64)]()
            for (acc, rs, re) in ranges {
                if acc || re <= start || rs >= end { next.append((acc, rs, re)) } else {
                    if rs < start { next.append((false, rs, start)) }
                    if re > end { next.append((false, end, re)) }
                }
            }
            next.append((true, start, end))
            ranges = stableSorted(next)
        }
        guard i == witness.count else { throw Failure(description: "TD HOB witness has trailing bytes") }
        var hob = Bytes()
        hob += [0x01, 0x00] + Bytes.le(UInt16(56)) + Bytes(repeating: 0, count: 4) + Bytes.le(UInt32(9))
        hob += Bytes(repeating: 0, count: 4 + 8 * 5)
        func resource(_ type: UInt8, _ start: UInt64, _ length: UInt64) {
            hob += [0x03, 0x00] + Bytes.le(UInt16(48)) + Bytes(repeating: 0, count: 4 + 16)
            hob += [type, 0, 0, 0] + Bytes.le(UInt32(7)) + Bytes.le(start) + Bytes.le(length)
        }
        guard let last = ranges.popLast() else { throw Failure(description: "TD HOB: no memory ranges") }
        for (acc, s, e) in ranges {
            guard e >= s else { throw Failure(description: "TD HOB: invalid memory range") }
            resource(acc ? 0x00 : 0x07, s, e - s)
        }
        let (_, ls, le) = last
        guard le >= ls else { throw Failure(description: "TD HOB: invalid last memory range") }
        if memorySize >= stableMinMemory {
            if ls < 0x8000_0000 { resource(0x07, ls, 0x8000_0000 - ls) }
            if le > 0x8000_0000 { resource(0x07, 0x1_0000_0000, le - 0x8000_0000) }
        } else {
            resource(0x07, ls, le - ls)
        }
        let endOfHobList = hobBase &+ UInt64(hob.count) &+ 8
        hob.replaceSubrange(48..<56, with: Bytes.le(endOfHobList))
        return Digest.sha384(hob)
    }

    static func stableSorted(_ a: [(Bool, UInt64, UInt64)]) -> [(Bool, UInt64, UInt64)] {
        a.enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset < $1.offset }.map(\.element)
    }
}

/// A minimal CBOR (RFC 8949) reader for the measurement document: unsigned ints, byte/text strings,
/// arrays, maps with text keys. Anything else is rejected.
indirect enum CBOR: Sendable {
    case uint(UInt64), bytes(Bytes), text(String), array([CBOR]), map([(String, CBOR)])

    subscript(key: String) -> CBOR? {
        if case .map(let m) = self { return m.first { $0.0 == key }?.1 }
        return nil
    }
    var uint: UInt64? { if case .uint(let v) = self { return v }; return nil }
    var bytes: Bytes? { if case .bytes(let v) = self { return v }; return nil }
    var text: String? { if case .text(let v) = self { return v }; return nil }
}

struct CBORReader {
    var r: ByteReader
    init(_ b: Bytes) { r = ByteReader(b, context: "CBOR") }
    var isAtEnd: Bool { r.isAtEnd }

    mutating func argument(_ info: UInt8) throws -> UInt64 {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return UInt64(try r.u8("argument"))
        case 25: return UInt64(try r.u16be("argument"))
        case 26: return UInt64(try r.u32be("argument"))
        case 27: let b = try r.read(8, "argument"); return b.reduce(0) { $0 << 8 | UInt64($1) }
        default: throw ByteReaderError("CBOR indefinite lengths are not supported")
        }
    }

    mutating func item(depth: Int) throws -> CBOR {
        guard depth < 16 else { throw ByteReaderError("CBOR nested too deeply") }
        let ib = try r.u8("initial byte")
        let major = ib >> 5, n = try argument(ib & 0x1f)
        switch major {
        case 0: return .uint(n)
        case 2, 3:
            guard n <= UInt64(r.remaining) else { throw ByteReaderError("CBOR string of \(n) bytes, \(r.remaining) left") }
            let b = try r.read(Int(n), "string")
            if major == 2 { return .bytes(b) }
            guard let s = String(validating: b, as: UTF8.self) else { throw ByteReaderError("CBOR text is not UTF-8") }
            return .text(s)
        case 4:
            guard n <= UInt64(r.remaining) else { throw ByteReaderError("CBOR array too long") }
            var a = [CBOR]()
            for _ in 0..<n { a.append(try item(depth: depth + 1)) }
            return .array(a)
        case 5:
            guard n <= UInt64(r.remaining / 2) else { throw ByteReaderError("CBOR map too long") }
            var m = [(String, CBOR)]()
            for _ in 0..<n {
                guard case .text(let k) = try item(depth: depth + 1) else { throw ByteReaderError("CBOR map key is not text") }
                m.append((k, try item(depth: depth + 1)))
            }
            return .map(m)
        default: throw ByteReaderError("CBOR major type \(major) not expected in the measurement document")
        }
    }
}
