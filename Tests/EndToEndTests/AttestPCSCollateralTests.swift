import DevProofCore
import Foundation
import TestSupport
import Testing

/// `--collateral DIR`: raw Intel PCS responses (TCB info / QE identity bodies, CRLs, issuer chains saved beside them).
/// No raw PCS files ship in the corpus, so each test derives them from a QuoteCollateralV3 file (the exact signed
/// `tcb_info` / `qe_identity` texts, signatures, CRLs and issuer chains), the way `curl -D x.headers -o x.json` saves them.
@Suite("e2e: attest --collateral DIR, raw PCS responses (corpus + fixtures)")
struct AttestPCSCollateralTests {
    /// How to save each issuer chain: a curl header dump or a plain PEM file.
    enum ChainForm { case headers, pem, headersHTTP2Redirect }

    /// Writes the PCS-response directory equivalent to a QuoteCollateralV3 JSON file.
    static func pcsDirectory(from collateralJSON: String, chains: [ChainForm] = [.headers, .pem, .headersHTTP2Redirect],
                             pemCRL: Bool = false, tcbInfoBody: ((String, String) -> String)? = nil) throws -> String {
        let v = try JSONParser.parse(try InputFile.read(collateralJSON))
        func s(_ k: String) -> String { v[k]?.stringValue ?? "" }
        let dir = TestPaths.tempDir("pcs-collateral")
        func put(_ name: String, _ bytes: [UInt8]) throws { try InputFile.write(dir.appendingPathComponent(name).path, bytes) }
        // Bodies exactly as PCS serves them: the signed object's bytes, then the signature.
        let tcbBody = tcbInfoBody?(s("tcb_info"), s("tcb_info_signature"))
            ?? "{\"tcbInfo\":\(s("tcb_info")),\"signature\":\"\(s("tcb_info_signature"))\"}"
        try put("tcbinfo.json", Array(tcbBody.utf8))
        try put("qeidentity.json", Array("{\"enclaveIdentity\":\(s("qe_identity")),\"signature\":\"\(s("qe_identity_signature"))\"}".utf8))
        let pck = try Hex.decode(s("pck_crl")), root = try Hex.decode(s("root_ca_crl"))
        if pemCRL {
            try put("pckcrl.pem", Array(PEM.encode(label: "X509 CRL", der: pck).utf8))
            try put("rootcacrl", Array(root.hex.utf8))  // PCCS serves the root CA CRL as hex text
        } else {
            try put("pckcrl.der", pck); try put("rootcacrl.der", root)
        }
        let chainFields = [("tcbinfo", "tcb_info_issuer_chain", "TCB-Info-Issuer-Chain"),
                           ("qeidentity", "qe_identity_issuer_chain", "SGX-Enclave-Identity-Issuer-Chain"),
                           ("pckcrl", "pck_crl_issuer_chain", "SGX-PCK-CRL-Issuer-Chain")]
        for (i, (stem, field, header)) in chainFields.enumerated() {
            let pem = s(field)
            let encoded = pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            switch chains[i % chains.count] {
            case .pem: try put("\(stem).issuer-chain.pem", Array(pem.utf8))
            case .headers:
                try put("\(stem).headers", Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\(header): \(encoded)\r\nRequest-ID: 1\r\n\r\n".utf8))
            case .headersHTTP2Redirect:
                // curl -L -D: one block per response; the last one is the answer (HTTP/2 status line, lower-case names).
                try put("\(stem).headers", Array("HTTP/1.1 301 Moved\r\nlocation: /x\r\n\r\nHTTP/2 200 \r\ncontent-type: application/x-pem-file\r\n\(header.lowercased()): \(encoded)\r\n\r\n".utf8))
            }
        }
        return dir.path
    }

    static func corpus(_ f: String) -> String? {
        guard let p = TestPaths.corpusFile("dcap/" + f) else {
            if TestPaths.corpusRequired { Issue.record("corpus required but missing") } else { print("SKIP: corpus absent") }
            return nil
        }
        return p
    }

    /// The report without what names the collateral's path (the source fact and the summaries quoting it).
    static func normalized(_ out: String, source: String) throws -> String {
        let v = try JSONParser.parse(Array(out.utf8))
        guard case .object(var m) = v else { return out }
        if let i = m.firstIndex(where: { $0.key == "facts" }), case .object(var f) = m[i].value {
            f.removeAll { $0.key == "collateral_source" }
            m[i] = JSONMember("facts", .object(f))
        }
        return JSONValue.object(m).serialized().replacingOccurrences(of: source, with: "SOURCE")
    }

    @Test func sameReportAsQuoteCollateralV3OnEveryCorpusQuote() throws {
        let cases: [(String, String, String, [String])] = [
            ("tdx_quote", "tdx_quote_collateral.json", "1752919234", []),
            ("tdx_quote", "tdx_quote_collateral.json", "1752919235", []),   // expired PCK CRL: inconclusive either way
            ("tdx_quote_outdated", "tdx_quote_outdated_collateral.json", "1772323200", []),
            ("sgx_quote", "sgx_quote_collateral.json", "1752919277", ["--allow-tcb-status", "ConfigurationAndSWHardeningNeeded"]),
        ]
        for (i, (q, c, now, extra)) in cases.enumerated() {
            guard let qp = Self.corpus(q), let cp = Self.corpus(c) else { return }
            let dir = try Self.pcsDirectory(from: cp, chains: i % 2 == 0 ? [.headers, .pem, .headersHTTP2Redirect] : [.pem, .headersHTTP2Redirect, .headers],
                                            pemCRL: i % 2 == 1)
            let a = try Run.devproof(["attest", "--quote", qp, "--collateral", cp, "--now", now, "--json"] + extra)
            let b = try Run.devproof(["attest", "--quote", qp, "--collateral", dir, "--now", now, "--json"] + extra)
            #expect(a.status == b.status, "\(q)@\(now): \(b.stderr)")
            #expect(try Self.normalized(a.stdout, source: "file \(cp)") == Self.normalized(b.stdout, source: "PCS responses in \(dir)"), "\(q)@\(now)")
            let src = try JSONParser.parse(Array(b.stdout.utf8))["facts"]?["collateral_source"]?.stringValue
            #expect(src == "PCS responses in \(dir)")
        }
        guard let qp = Self.corpus("tdx_quote"), let cp = Self.corpus("tdx_quote_collateral.json") else { return }
        let ok = try Run.devproof(["attest", "--quote", qp, "--collateral", try Self.pcsDirectory(from: cp), "--now", "1752919234"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    }

    @Test func fixturesWithTheTestRoot() throws {
        let q = TestPaths.fixture("dcap/tdx-v4-valid.quote"), root = TestPaths.fixture("dcap/pki/root-ca.der")
        let dir = try Self.pcsDirectory(from: TestPaths.fixture("dcap/collateral-tdx.json"))
        let pass = try Run.devproof(["attest", "--quote", q, "--collateral", dir, "--root-ca", root, "--now", "1768435200", "--json"])
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        // The same test-PKI responses against the pinned Intel root: refused, never pass (the collateral is a skip;
        // the quote's own PCK chain not reaching the root is its fail, exit 1, as with the JSON form).
        let pinned = try Run.devproof(["attest", "--quote", q, "--collateral", dir, "--now", "1768435200", "--json"])
        #expect(pinned.status == 1)
        let sig = try JSONParser.parse(Array(pinned.stdout.utf8))["checks"]?.arrayValue?.first { $0["id"] == .string("collateral.signatures") }
        #expect(sig?["status"] == .string("skip"))
        #expect(sig?["summary"]?.stringValue?.contains("does not verify to the pinned Intel SGX Root CA") == true)
    }

    @Test func realIntelResponsesAgainstTheTestRootAreRefused() throws {
        guard let qp = Self.corpus("tdx_quote"), let cp = Self.corpus("tdx_quote_collateral.json") else { return }
        let r = try Run.devproof(["attest", "--quote", qp, "--collateral", try Self.pcsDirectory(from: cp),
                                  "--root-ca", TestPaths.fixture("dcap/pki/root-ca.der"), "--now", "1752919234", "--json"])
        #expect(r.status == 1)  // the quote's PCK chain does not reach the given root either (its own fail)
        let sig = try JSONParser.parse(Array(r.stdout.utf8))["checks"]?.arrayValue?.first { $0["id"] == .string("collateral.signatures") }
        #expect(sig?["status"] == .string("skip"))
        #expect(sig?["summary"]?.stringValue?.contains("does not verify to the given root CA") == true)
    }

    @Test func reserializedTCBInfoFailsItsSignature() throws {
        guard let qp = Self.corpus("tdx_quote"), let cp = Self.corpus("tdx_quote_collateral.json") else { return }
        // Same JSON value, one space added after the first comma: the signature covers the exact bytes.
        let dir = try Self.pcsDirectory(from: cp, tcbInfoBody: { tcb, sig in
            let spaced = tcb.replacingOccurrences(of: "\",\"", with: "\", \"", options: [], range: tcb.range(of: "\",\""))
            #expect(spaced != tcb)
            return "{\"tcbInfo\":\(spaced),\"signature\":\"\(sig)\"}"
        })
        let r = try Run.devproof(["attest", "--quote", qp, "--collateral", dir, "--now", "1752919234", "--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let j = try JSONParser.parse(Array(r.stdout.utf8))
        let sig = j["checks"]?.arrayValue?.first { $0["id"] == .string("collateral.signatures") }
        #expect(sig?["status"] == .string("skip"))
        #expect(sig?["details"]?["collateral.tcb_info"]?.stringValue == "fail: Signature is invalid for tcb_info in quote_collateral")
        #expect(j["verdict"] == .string("inconclusive"))
        // The untouched body around the same signature still verifies (the test can fail for the right reason only).
        let good = try Run.devproof(["attest", "--quote", qp, "--collateral", try Self.pcsDirectory(from: cp), "--now", "1752919234"])
        #expect(good.status == 0)
    }

    /// Exit 2 with the file named in one line, for each broken directory.
    @Test func malformedDirectoriesExit2NamingTheFile() throws {
        guard let qp = Self.corpus("tdx_quote"), let cp = Self.corpus("tdx_quote_collateral.json") else { return }
        func run(_ mutate: (URL) throws -> Void) throws -> ProcessResult {
            let dir = URL(fileURLWithPath: try Self.pcsDirectory(from: cp, chains: [.headers]))
            try mutate(dir)
            return try Run.devproof(["attest", "--quote", qp, "--collateral", dir.path, "--now", "1752919234"])
        }
        func expect2(_ r: ProcessResult, _ needle: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(r.status == 2, "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stderr.contains(needle), "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        }
        let fm = FileManager.default
        expect2(try run { try fm.removeItem(at: $0.appendingPathComponent("tcbinfo.headers")) }, "tcbinfo.headers")
        expect2(try run { try fm.removeItem(at: $0.appendingPathComponent("qeidentity.json")) }, "qeidentity.json")
        expect2(try run { d in
            let p = d.appendingPathComponent("tcbinfo.json").path
            try InputFile.write(p, Array(try InputFile.read(p).prefix(500)))
        }, "tcbinfo.json")
        expect2(try run { try InputFile.write($0.appendingPathComponent("pckcrl.der").path, [UInt8](repeating: 0x30, count: (4 << 20) + 1)) }, "pckcrl.der")
        expect2(try run { try InputFile.write($0.appendingPathComponent("rootcacrl.der").path, Array("not a CRL at all".utf8)) }, "rootcacrl.der")
        expect2(try run { try InputFile.write($0.appendingPathComponent("rootcacrl.der").path, [0x30, 0x03, 0x02, 0x01, 0x00]) }, "rootcacrl.der")
        expect2(try run { try InputFile.write($0.appendingPathComponent("qeidentity.headers").path, Array("garbage\n".utf8)) }, "qeidentity.headers")
        expect2(try run { try InputFile.write($0.appendingPathComponent("pckcrl.headers").path, Array("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n".utf8)) }, "SGX-PCK-CRL-Issuer-Chain")
        expect2(try run { try InputFile.write($0.appendingPathComponent("pckcrl.headers").path, Array("HTTP/1.1 404 Not Found\r\n\r\n".utf8)) }, "404")
        expect2(try run { try InputFile.write($0.appendingPathComponent("tcbinfo.json").path, Array("{\"tcbInfo\":{},\"signature\":\"00\"}".utf8)) }, "tcbinfo.json")
        expect2(try run { try InputFile.write($0.appendingPathComponent("tcb_info.json").path, Array("{}".utf8)) }, "unexpected file 'tcb_info.json'")
        expect2(try run { try InputFile.write($0.appendingPathComponent("tcbinfo.issuer-chain.pem").path, Array("x".utf8)) }, "keep one")
        expect2(try run { d in
            try fm.removeItem(at: d.appendingPathComponent("tcbinfo.headers"))
            try InputFile.write(d.appendingPathComponent("tcbinfo.issuer-chain.pem").path, Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8))
        }, "tcbinfo.issuer-chain.pem")

        // A single raw response given as the collateral file: one line naming both accepted shapes.
        let single = TestPaths.tempDir().appendingPathComponent("tcb.json").path
        try InputFile.write(single, try InputFile.read(URL(fileURLWithPath: try Self.pcsDirectory(from: cp)).appendingPathComponent("tcbinfo.json").path))
        let r = try Run.devproof(["attest", "--quote", qp, "--collateral", single, "--now", "1752919234"])
        expect2(r, "QuoteCollateralV3")
        #expect(r.stderr.contains("tcbinfo.json") && r.stderr.contains("raw PCS response"))
    }

    @Test func saveCollateralFromADirectoryReplaysIdentically() throws {
        guard let qp = Self.corpus("tdx_quote"), let cp = Self.corpus("tdx_quote_collateral.json") else { return }
        let out = TestPaths.tempDir().appendingPathComponent("saved.json").path
        let a = try Run.devproof(["attest", "--quote", qp, "--collateral", try Self.pcsDirectory(from: cp), "--now", "1752919234", "--save-collateral", out])
        #expect(a.status == 0)
        // The saved QuoteCollateralV3 holds the very strings the corpus file holds (nothing re-serialized).
        let saved = try JSONParser.parse(try InputFile.read(out)), orig = try JSONParser.parse(try InputFile.read(cp))
        for k in ["tcb_info", "qe_identity", "tcb_info_signature", "qe_identity_signature", "pck_crl", "root_ca_crl",
                  "tcb_info_issuer_chain", "qe_identity_issuer_chain", "pck_crl_issuer_chain"] {
            #expect(saved[k] == orig[k], "\(k)")
        }
    }
}
