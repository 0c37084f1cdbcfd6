import DevProofCore
import Testing
@testable import TDX

@Suite("TDX TCB logic: statuses, convergence, level order, TCB info / QE identity decoding")
struct TCBLogicTests {
    @Test func convergence() {
        let ood = TCBVerdict(.outOfDate, ["B"])
        #expect(TCBVerdict(.upToDate, ["A"]).converged(ood) == TCBVerdict(.outOfDate, ["A", "B"]))
        #expect(TCBVerdict(.swHardeningNeeded).converged(ood).status == .outOfDate)
        #expect(TCBVerdict(.configurationNeeded).converged(ood).status == .outOfDateConfigurationNeeded)
        #expect(TCBVerdict(.configurationAndSWHardeningNeeded).converged(ood).status == .outOfDateConfigurationNeeded)
        #expect(TCBVerdict(.tdRelaunchAdvised).converged(ood).status == .outOfDate)
        #expect(TCBVerdict(.upToDate).converged(TCBVerdict(.revoked)).status == .revoked)
        // Other QE/module statuses leave the platform status alone (Intel QVL, dcap-qvl 0.7).
        #expect(TCBVerdict(.upToDate).converged(TCBVerdict(.configurationNeeded, ["Q"])) == TCBVerdict(.upToDate, ["Q"]))
        #expect(TCBVerdict(.swHardeningNeeded).converged(TCBVerdict(.upToDate)).status == .swHardeningNeeded)
        // Advisory union keeps order, no duplicates.
        #expect(TCBVerdict(.upToDate, ["A", "B"]).converged(TCBVerdict(.upToDate, ["B", "C"])).advisoryIDs == ["A", "B", "C"])
        // dcap-qvl 0.5 max-severity merge, kept for reference.
        #expect(TCBVerdict(.configurationNeeded).merged(ood).status == .outOfDate)
    }

    static func tcbInfo(levels: String, extra: String = "") -> String {
        """
        {"id":"TDX","version":3,"issueDate":"2026-01-01T00:00:00Z","nextUpdate":"2026-02-01T00:00:00Z","fmspc":"00906ED50000","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":17\(extra),"tcbLevels":[\(levels)]}
        """
    }
    static func level(_ sgx: [Int], _ pce: Int, _ tdx: [Int], _ status: String) -> String {
        let s = sgx.map { "{\"svn\":\($0)}" }.joined(separator: ","), t = tdx.map { "{\"svn\":\($0)}" }.joined(separator: ",")
        return "{\"tcb\":{\"sgxtcbcomponents\":[\(s)],\"pcesvn\":\(pce),\"tdxtcbcomponents\":[\(t)]},\"tcbDate\":\"2025-01-01T00:00:00Z\",\"tcbStatus\":\"\(status)\"}"
    }

    @Test func canonicalLevelOrder() throws {
        let z = [Int](repeating: 0, count: 15)
        let t = try TCBInfo.parse(Self.tcbInfo(levels: [
            Self.level([1] + z, 5, [0] + z, "OutOfDate"),
            Self.level([2] + z, 3, [0] + z, "UpToDate"),
            Self.level([1] + z, 7, [0] + z, "SWHardeningNeeded"),
            Self.level([1] + z, 7, [1] + z, "ConfigurationNeeded"),
        ].joined(separator: ",")))
        #expect(t.levels.map(\.verdict.status) == [.upToDate, .configurationNeeded, .swHardeningNeeded, .outOfDate])
        #expect(t.issueDate == 1767225600)
        #expect(t.tcbEvaluationDataNumber == 17)
    }

    @Test func decodingErrors() {
        let ok = Self.level([Int](repeating: 0, count: 16), 0, [Int](repeating: 0, count: 16), "UpToDate")
        #expect(throws: Error.self) { try TCBInfo.parse(Self.tcbInfo(levels: ok.replacingOccurrences(of: "UpToDate", with: "Weird"))) }
        #expect(throws: Error.self) { try TCBInfo.parse(Self.tcbInfo(levels: ok.replacingOccurrences(of: "\"svn\":0", with: "\"svn\":256"))) }
        #expect(throws: Error.self) { try TCBInfo.parse(Self.tcbInfo(levels: ok.replacingOccurrences(of: "\"pcesvn\":0", with: "\"pcesvn\":-1"))) }
        #expect(throws: Error.self) { try TCBInfo.parse(Self.tcbInfo(levels: ok).replacingOccurrences(of: "2026-01-01T00:00:00Z", with: "yesterday")) }
        #expect(throws: Error.self) { try TCBInfo.parse("{}") }
        #expect(throws: Error.self) { try TCBInfo.parse("[") }
        #expect(throws: Error.self) { try QEIdentity.parse("{\"id\":\"QE\"}") }
        // Unknown keys are ignored; tdxtcbcomponents may be absent (SGX).
        #expect((try? TCBInfo.parse(Self.tcbInfo(levels: ok, extra: ",\"unknownKey\":[1,2]"))) != nil)
    }

    @Test func pckExtensionFromDER() throws {
        // SEQUENCE { SEQUENCE { OID .1, OCTET STRING ppid }, SEQUENCE { OID .2, SEQUENCE { ... } }, ... }
        func tlv(_ t: UInt8, _ c: Bytes) -> Bytes {
            c.count < 128 ? [t, UInt8(c.count)] + c : [t, 0x82, UInt8(c.count >> 8), UInt8(c.count & 0xff)] + c
        }
        let base: Bytes = [0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01]  // 1.2.840.113741.1.13.1
        func oid(_ tail: [UInt8]) -> Bytes { tlv(0x06, base + tail) }
        var tcb = Bytes()
        for i in 1...16 { tcb += tlv(0x30, oid([2, UInt8(i)]) + tlv(0x02, [UInt8(i)])) }
        tcb += tlv(0x30, oid([2, 17]) + tlv(0x02, [0x00, 0x0b]))
        tcb += tlv(0x30, oid([2, 18]) + tlv(0x04, Bytes(1...16)))
        let ext = tlv(0x30, tlv(0x30, oid([1]) + tlv(0x04, Bytes(repeating: 0xaa, count: 16)))
            + tlv(0x30, oid([2]) + tlv(0x30, tcb))
            + tlv(0x30, oid([3]) + tlv(0x04, [0, 0]))
            + tlv(0x30, oid([4]) + tlv(0x04, [0xb0, 0xc0, 0x6f, 0, 0, 0]))
            + tlv(0x30, oid([5]) + tlv(0x0a, [1])))
        let x = try PCKExtension.parse(extensionValue: ext)
        #expect(x.ppid == Bytes(repeating: 0xaa, count: 16))
        #expect(x.pceSVN == 11)
        #expect(x.cpuSVN == Bytes(1...16))
        #expect(x.tcbComponents == (1...16).map { UInt8($0) })
        #expect(x.fmspc.hex == "b0c06f000000")
        #expect(x.sgxType == 1)
        #expect(x.deviceID == Digest.sha256(x.ppid))
        // Truncations never trap.
        for n in 0..<ext.count { _ = try? PCKExtension.parse(extensionValue: Array(ext.prefix(n))) }
        #expect(throws: DevProofError.self) { try PCKExtension.parse(extensionValue: Array(ext.prefix(ext.count - 1))) }
    }
}
