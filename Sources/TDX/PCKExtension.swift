import DevProofCore

/// The Intel SGX extension (OID 1.2.840.113741.1.13.1) of a PCK certificate.
public struct PCKExtension: Sendable, Equatable {
    public static let oid = "1.2.840.113741.1.13.1"

    /// Platform Provisioning ID (16 bytes). dstack's device_id = sha256(PPID).
    public let ppid: Bytes
    /// CPUSVN from TCB (.2.18), 16 bytes.
    public let cpuSVN: Bytes
    /// PCESVN from TCB (.2.17).
    public let pceSVN: UInt16
    /// SGX TCB component SVNs (.2.1 … .2.16), when present.
    public let tcbComponents: [UInt8]
    public let pceID: Bytes
    public let fmspc: Bytes
    /// 0 Standard, 1 Scalable, 2 Scalable with integrity.
    public let sgxType: UInt64?
    public let platformInstanceID: Bytes?

    /// The device id dstack uses: sha256(PPID).
    public var deviceID: Bytes { Digest.sha256(ppid) }

    public static func parse(certificate: X509Certificate) throws -> PCKExtension {
        guard let ext = certificate.extension(oid: oid) else {
            throw DevProofError.malformed("PCK certificate has no Intel SGX extension (\(oid))")
        }
        return try parse(extensionValue: ext.value)
    }

    /// Parses the DER extension value: SEQUENCE OF SEQUENCE { OID, value }.
    public static func parse(extensionValue: Bytes) throws -> PCKExtension {
        func entries(_ n: DERNode) throws -> [String: DERNode] {
            guard n.tag == DERNode.sequence else { throw DevProofError.malformed("SGX extension: expected a SEQUENCE") }
            var out = [String: DERNode]()
            for e in try n.children() {
                let kv = try e.children()
                guard e.tag == DERNode.sequence, kv.count == 2, let o = kv[0].oidString else {
                    throw DevProofError.malformed("SGX extension: malformed entry")
                }
                if out[o] == nil { out[o] = kv[1] }
            }
            return out
        }
        let p = oid + "."
        let top = try entries(try DER.parse(extensionValue))
        func need(_ k: String, _ what: String) throws -> DERNode {
            guard let n = top[p + k] else { throw DevProofError.malformed("SGX extension: missing \(what)") }
            return n
        }
        func octets(_ n: DERNode, _ what: String, _ len: Int? = nil) throws -> Bytes {
            guard n.tag == DERNode.octetString, len == nil || n.content.count == len else {
                throw DevProofError.malformed("SGX extension: bad \(what)")
            }
            return n.content
        }
        let ppid = try octets(try need("1", "PPID"), "PPID")
        let tcb = try entries(try need("2", "TCB"))
        guard let cpu = tcb[p + "2.18"] else { throw DevProofError.malformed("SGX extension: missing CPUSVN") }
        let cpuSVN = try octets(cpu, "CPUSVN", 16)
        guard let pce = tcb[p + "2.17"], pce.tag == DERNode.integer, (1...2).contains(pce.content.count) else {
            throw DevProofError.malformed("SGX extension: missing or bad PCESVN")
        }
        let pceSVN = pce.content.reduce(UInt16(0)) { $0 << 8 | UInt16($1) }
        var comps = [UInt8]()
        for i in 1...16 {
            guard let c = tcb[p + "2.\(i)"], let v = c.unsignedValue, v <= 255 else { comps = []; break }
            comps.append(UInt8(v))
        }
        let pceID = try octets(try need("3", "PCEID"), "PCEID")
        let fmspc = try octets(try need("4", "FMSPC"), "FMSPC", 6)
        let sgxType = top[p + "5"]?.unsignedValue
        let pid = try top[p + "6"].map { try octets($0, "platform instance ID") }
        return PCKExtension(ppid: ppid, cpuSVN: cpuSVN, pceSVN: pceSVN, tcbComponents: comps, pceID: pceID,
                            fmspc: fmspc, sgxType: sgxType, platformInstanceID: pid)
    }
}
