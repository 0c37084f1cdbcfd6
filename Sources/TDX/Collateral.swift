import DevProofCore

/// DCAP collateral in dcap-qvl's `QuoteCollateralV3` JSON form: PEM issuer chains, hex DER CRLs,
/// the exact TCB-info / QE-identity JSON texts (their signatures cover these exact bytes: they are
/// kept as received and never re-serialized) and hex raw r‖s signatures.
public struct QuoteCollateral: Sendable, Equatable {
    public var pckCRLIssuerChain: String
    public var rootCACRL: Bytes
    public var pckCRL: Bytes
    public var tcbInfoIssuerChain: String
    public var tcbInfo: String
    public var tcbInfoSignature: Bytes
    public var qeIdentityIssuerChain: String
    public var qeIdentity: String
    public var qeIdentitySignature: Bytes
    /// PCK chain (PEM); when present it is used instead of the quote's embedded chain (as dcap-qvl does).
    public var pckCertificateChain: String?

    public init(pckCRLIssuerChain: String, rootCACRL: Bytes, pckCRL: Bytes, tcbInfoIssuerChain: String,
                tcbInfo: String, tcbInfoSignature: Bytes, qeIdentityIssuerChain: String, qeIdentity: String,
                qeIdentitySignature: Bytes, pckCertificateChain: String? = nil) {
        self.pckCRLIssuerChain = pckCRLIssuerChain; self.rootCACRL = rootCACRL; self.pckCRL = pckCRL
        self.tcbInfoIssuerChain = tcbInfoIssuerChain; self.tcbInfo = tcbInfo; self.tcbInfoSignature = tcbInfoSignature
        self.qeIdentityIssuerChain = qeIdentityIssuerChain; self.qeIdentity = qeIdentity
        self.qeIdentitySignature = qeIdentitySignature; self.pckCertificateChain = pckCertificateChain
    }

    /// Parses QuoteCollateralV3 JSON. Throws `DevProofError.malformed` naming the bad field.
    public static func parse(json bytes: Bytes) throws -> QuoteCollateral {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch let e as JSONParseError {
            throw DevProofError.malformed("collateral is not valid JSON: \(e.message) (byte \(e.offset))")
        }
        return try parse(json: v)
    }

    public static func parse(json v: JSONValue) throws -> QuoteCollateral {
        guard v.objectValue != nil else { throw DevProofError.malformed("collateral must be a JSON object (dcap-qvl QuoteCollateralV3)") }
        func str(_ k: String) throws -> String {
            guard let m = v[k] else { throw DevProofError.malformed("collateral: missing field '\(k)'") }
            guard let s = m.stringValue else { throw DevProofError.malformed("collateral: field '\(k)' must be a string") }
            return s
        }
        func hex(_ k: String) throws -> Bytes {
            let s = try str(k)
            do { return try Hex.decode(s) } catch { throw DevProofError.malformed("collateral: field '\(k)' is not hex") }
        }
        var pckChain: String?
        if let m = v["pck_certificate_chain"], !m.isNull {
            guard let s = m.stringValue else { throw DevProofError.malformed("collateral: field 'pck_certificate_chain' must be a string") }
            pckChain = s
        }
        return QuoteCollateral(
            pckCRLIssuerChain: try str("pck_crl_issuer_chain"), rootCACRL: try hex("root_ca_crl"),
            pckCRL: try hex("pck_crl"), tcbInfoIssuerChain: try str("tcb_info_issuer_chain"),
            tcbInfo: try str("tcb_info"), tcbInfoSignature: try hex("tcb_info_signature"),
            qeIdentityIssuerChain: try str("qe_identity_issuer_chain"), qeIdentity: try str("qe_identity"),
            qeIdentitySignature: try hex("qe_identity_signature"), pckCertificateChain: pckChain)
    }

    /// QuoteCollateralV3 JSON (same field order as dcap-qvl; strings preserved exactly).
    public var json: JSONValue {
        var m: [(String, JSONValue)] = [
            ("pck_crl_issuer_chain", .string(pckCRLIssuerChain)),
            ("root_ca_crl", .string(rootCACRL.hex)),
            ("pck_crl", .string(pckCRL.hex)),
            ("tcb_info_issuer_chain", .string(tcbInfoIssuerChain)),
            ("tcb_info", .string(tcbInfo)),
            ("tcb_info_signature", .string(tcbInfoSignature.hex)),
            ("qe_identity_issuer_chain", .string(qeIdentityIssuerChain)),
            ("qe_identity", .string(qeIdentity)),
            ("qe_identity_signature", .string(qeIdentitySignature.hex)),
        ]
        if let c = pckCertificateChain { m.append(("pck_certificate_chain", .string(c))) }
        return .obj(m)
    }

    public func jsonBytes(pretty: Bool = true) -> Bytes {
        Array((json.serialized(JSONWriteOptions(pretty: pretty)) + "\n").utf8)
    }
}
