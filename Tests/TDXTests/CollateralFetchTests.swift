import DevProofCore
import Foundation
import Testing
import TestSupport
@testable import TDX

/// A fetcher talking only to a loopback PCS; fast timeouts and no fallback to Intel's CRL distribution point.
func loopbackFetcher(_ server: LocalServer, retries: Int = 1, timeout: Double = 5) throws -> CollateralFetcher {
    CollateralFetcher(endpoint: try PCCSEndpoint(server.baseURL),
                      http: HTTPClient(timeout: timeout, connectTimeout: 2, retries: retries, backoff: 0.01, progress: nil),
                      followCRLDistributionPoint: false)
}

func fixtureQuote(_ name: String) throws -> Quote { try Quote.load(fileBytes: try InputFile.read(TestPaths.fixture("dcap/\(name)"))) }
func fixtureCollateral(_ name: String) throws -> QuoteCollateral {
    try QuoteCollateral.parse(json: try InputFile.read(TestPaths.fixture("dcap/\(name)")))
}

@Suite("tdx: collateral fetch from a loopback PCS (fixtures)", .serialized)
struct CollateralFetchFixtureTests {
    let collateralPath = TestPaths.fixture("dcap/collateral-tdx.json")

    @Test func fetchesExactlyTheServedCollateral() throws {
        for encoding in ["der", "hex", "pem"] {
            let server = try LocalServer(script: "pcs_server.py", args: [collateralPath, "--crl-encoding", encoding])
            defer { server.stop() }
            let got = try loopbackFetcher(server).fetch(for: try fixtureQuote("tdx-v4-valid.quote"))
            #expect(got == (try fixtureCollateral("collateral-tdx.json")), "CRL encoding \(encoding)")
        }
    }

    @Test func fetchedCollateralVerifies() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath])
        defer { server.stop() }
        let quote = try fixtureQuote("tdx-v4-valid.quote")
        let coll = try loopbackFetcher(server).fetch(for: quote)
        let root = try X509Certificate.load(fileBytes: try InputFile.read(TestPaths.fixture("dcap/pki/root-ca.der")))
        let r = DCAPVerifier.verify(quote: quote, collateral: coll, now: 1768435200, rootCA: root, intelRules: false)
        #expect(r.accepted, "\(r.stages)")
        #expect(r.verdict?.status == .upToDate)
        // The exact bytes survive a save → load round trip.
        #expect(try QuoteCollateral.parse(json: coll.jsonBytes()) == coll)
    }

    @Test func requestsThePCSv4Paths() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath])
        defer { server.stop() }
        _ = try loopbackFetcher(server).fetch(for: try fixtureQuote("tdx-v4-valid.quote"))
        let log = try HTTPClient(progress: nil).get("\(server.baseURL)/_log").bodyText
        let paths = try JSONParser.parse(log).arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Set(paths) == [
            "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
            "/tdx/certification/v4/tcb?fmspc=DE7E57000001",
            "/tdx/certification/v4/qe/identity?update=standard",
            "/sgx/certification/v4/rootcacrl",
        ])
    }

    @Test func sgxQuoteUsesSGXPaths() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [TestPaths.fixture("dcap/collateral-sgx.json")])
        defer { server.stop() }
        let got = try loopbackFetcher(server).fetch(for: try fixtureQuote("sgx-v3-valid.quote"))
        #expect(got == (try fixtureCollateral("collateral-sgx.json")))
        let log = try HTTPClient(progress: nil).get("\(server.baseURL)/_log").bodyText
        #expect(log.contains("/sgx/certification/v4/tcb?fmspc=DE7E57000002"))
        #expect(log.contains("pckcrl?ca=processor"))
    }

    @Test func serverErrorsAreRetried() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath, "--fail-first", "1"])
        defer { server.stop() }
        let got = try loopbackFetcher(server, retries: 1).fetch(for: try fixtureQuote("tdx-v4-valid.quote"))
        #expect(got == (try fixtureCollateral("collateral-tdx.json")))
        // Without retries the 500 is an inconclusive error.
        let again = try LocalServer(script: "pcs_server.py", args: [collateralPath, "--fail-first", "1"])
        defer { again.stop() }
        #expect { try loopbackFetcher(again, retries: 0).fetch(for: try fixtureQuote("tdx-v4-valid.quote")) } throws: { e in
            (e as? DevProofError).map { $0.exitCode == 3 && $0.description.contains("HTTP 500") } ?? false
        }
    }

    @Test func unknownFMSPCIsUnavailable() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath, "--fmspc", "DE7E57000099"])
        defer { server.stop() }
        #expect { try loopbackFetcher(server).fetch(for: try fixtureQuote("tdx-v4-valid.quote")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.contains("tcb?fmspc=DE7E57000001") && m.contains("HTTP 404")
        }
    }

    @Test func missingRootCRLIsUnavailable() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath, "--missing", "rootcacrl"])
        defer { server.stop() }
        #expect { try loopbackFetcher(server).fetch(for: try fixtureQuote("tdx-v4-valid.quote")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.contains("rootcacrl") && m.contains("HTTP 404")
        }
    }

    @Test func hangingServerTimesOut() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath, "--hang", "qe/identity"])
        defer { server.stop() }
        let start = Date()
        #expect { try loopbackFetcher(server, retries: 1, timeout: 0.4).fetch(for: try fixtureQuote("tdx-v4-valid.quote")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.contains("unreachable after 2 attempts") && m.contains("timed out")
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func closedPortIsUnavailable() throws {
        let port = try LocalServer.closedPort()
        let f = CollateralFetcher(endpoint: try PCCSEndpoint("http://127.0.0.1:\(port)"),
                                  http: HTTPClient(retries: 1, backoff: 0.01, progress: nil), followCRLDistributionPoint: false)
        #expect { try f.fetch(for: try fixtureQuote("tdx-v4-valid.quote")) } throws: { e in
            guard case .unavailable(let m)? = e as? DevProofError else { return false }
            return m.contains("127.0.0.1:\(port) unreachable after 2 attempts")
        }
    }

    @Test func rootCRLFromTheRootsDistributionPoint() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath])
        defer { server.stop() }
        // A throw-away self-signed root whose CRL distribution point is the loopback server.
        let dir = TestPaths.tempDir("cdp"); defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("k.pem").path, cert = dir.appendingPathComponent("c.pem").path
        _ = try Run.process("/usr/bin/openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        let r = try Run.process("/usr/bin/openssl", ["req", "-x509", "-new", "-key", key, "-subj", "/CN=loopback root", "-days", "2",
                                                     "-addext", "crlDistributionPoints=URI:\(server.baseURL)/IntelSGXRootCA.der", "-out", cert])
        try #require(r.status == 0, "openssl: \(r.stderr)")
        let pem = String(decoding: try InputFile.read(cert), as: UTF8.self)
        #expect(CollateralFetcher.crlDistributionPoints(try X509Certificate.chain(pem: pem)[0]) == ["\(server.baseURL)/IntelSGXRootCA.der"])
        let loopRoot = try X509Certificate.chain(pem: pem)[0]
        let f = CollateralFetcher(endpoint: try PCCSEndpoint(server.baseURL), http: HTTPClient(retries: 0, progress: nil), trustedRoot: loopRoot)
        let crl = try f.fetchRootCACRLFromDistributionPoint(pccsError: nil)
        #expect(crl == (try fixtureCollateral("collateral-tdx.json")).rootCACRL)
        // Disabled: the PCCS error stands.
        let off = CollateralFetcher(endpoint: try PCCSEndpoint(server.baseURL), http: HTTPClient(retries: 0, progress: nil),
                                    followCRLDistributionPoint: false, trustedRoot: loopRoot)
        #expect(throws: DevProofError.unavailable("x")) {
            try off.fetchRootCACRLFromDistributionPoint(pccsError: DevProofError.unavailable("x"))
        }
    }

    /// Attack: a PCCS serves issuer chains ending in a root of its own whose CRL distribution point is a URL
    /// it chose, and fails `rootcacrl`. devproof only follows the TRUSTED root's distribution point: with a
    /// trusted root that names none, the PCCS error stands and the server's URL is never fetched.
    @Test func pccsCannotChooseTheCRLURL() throws {
        let server = try LocalServer(script: "pcs_server.py", args: [collateralPath])
        defer { server.stop() }
        // The served issuer chains end in the test root, whose CRL distribution point the server would like fetched.
        let served = try fixtureCollateral("collateral-tdx.json").qeIdentityIssuerChain
        #expect(!CollateralFetcher.crlDistributionPoints(try X509Certificate.chain(pem: served).last!).isEmpty)
        // The trusted root (made here) names no distribution point: the PCCS error stands, nothing else is fetched.
        let dir = TestPaths.tempDir("nocdp"); defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("k.pem").path, cert = dir.appendingPathComponent("c.pem").path
        _ = try Run.process("/usr/bin/openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        let made = try Run.process("/usr/bin/openssl", ["req", "-x509", "-new", "-key", key, "-subj", "/CN=no cdp root", "-days", "2", "-out", cert])
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let noCDP = try X509Certificate.chain(pem: String(decoding: try InputFile.read(cert), as: UTF8.self))[0]
        #expect(CollateralFetcher.crlDistributionPoints(noCDP).isEmpty)
        let f = CollateralFetcher(endpoint: try PCCSEndpoint(server.baseURL), http: HTTPClient(retries: 0, progress: nil), trustedRoot: noCDP)
        #expect(throws: DevProofError.unavailable("pccs said no")) {
            try f.fetchRootCACRLFromDistributionPoint(pccsError: DevProofError.unavailable("pccs said no"))
        }
        // Nor can it redirect devproof elsewhere: PCCS requests follow no redirect.
        #expect(f.http.followRedirects == false)
        // The pinned Intel root's distribution point is Intel's, whatever the server sends.
        #expect(CollateralFetcher.crlDistributionPoints(try #require(IntelRootCA.certificate))
                == ["https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"])
    }

    @Test func target() throws {
        let t = try CollateralFetcher.target(for: try fixtureQuote("tdx-v4-valid.quote"))
        #expect(t.tee == .tdx)
        #expect(t.fmspc.hex == "de7e57000001")
        #expect(t.ca == .platform)
    }
}

@Suite("tdx: collateral fetch helpers")
struct CollateralFetchHelperTests {
    @Test func endpoints() throws {
        #expect(try PCCSEndpoint(nil).baseURL == "https://pccs.phala.network")
        #expect(try PCCSEndpoint("phala").baseURL == "https://pccs.phala.network")
        let intel = try PCCSEndpoint("intel")
        #expect(intel.baseURL == "https://api.trustedservices.intel.com" && intel.isIntelPCS)
        #expect(try PCCSEndpoint("https://pccs.example/tdx/certification/v4/").baseURL == "https://pccs.example")
        #expect(try PCCSEndpoint("http://127.0.0.1:8081/sgx/certification/v4").baseURL == "http://127.0.0.1:8081")
        #expect(try PCCSEndpoint("https://api.trustedservices.intel.com/").isIntelPCS)
        #expect(!(try PCCSEndpoint("https://pccs.example")).isIntelPCS)
        for bad in ["ftp://x", "pccs.example", "file:///etc", "http://"] {
            #expect(throws: DevProofError.self, "\(bad)") { try PCCSEndpoint(bad) }
        }
        let e = try PCCSEndpoint("http://h")
        #expect(e.tcbInfoURL(tee: .tdx, fmspc: [0xb0, 0xc0, 0x6f, 0, 0, 0]) == "http://h/tdx/certification/v4/tcb?fmspc=B0C06F000000")
        #expect(e.qeIdentityURL(tee: .sgx) == "http://h/sgx/certification/v4/qe/identity?update=standard")
        #expect(e.pckCRLURL(ca: .processor) == "http://h/sgx/certification/v4/pckcrl?ca=processor&encoding=der")
    }

    @Test func signedJSONKeepsExactBytes() throws {
        let body = Array(#"{ "signature" : "\#(String(repeating: "ab", count: 64))",  "tcbInfo" : {"b":1, "a" : [ 2 ]} }"#.utf8)
        let (raw, sig) = try CollateralFetcher.signedJSON(body, member: "tcbInfo", what: "t")
        #expect(raw == #"{"b":1, "a" : [ 2 ]}"#)
        #expect(sig.count == 64)
        #expect(throws: DevProofError.self) { try CollateralFetcher.signedJSON(Array(#"{"tcbInfo":{}}"#.utf8), member: "tcbInfo", what: "t") }
        #expect(throws: DevProofError.self) { try CollateralFetcher.signedJSON(Array(#"{"tcbInfo":1,"signature":"\#(String(repeating: "ab", count: 64))"}"#.utf8), member: "tcbInfo", what: "t") }
        #expect(throws: DevProofError.self) { try CollateralFetcher.signedJSON(Array("<html>".utf8), member: "tcbInfo", what: "t") }
    }

    @Test func decodeCRL() throws {
        let der: Bytes = [0x30, 0x03, 0x02, 0x01, 0x01]
        #expect(try CollateralFetcher.decodeCRL(der, what: "x") == der)
        #expect(try CollateralFetcher.decodeCRL(Array("3003020101\n".utf8), what: "x") == der)
        #expect(try CollateralFetcher.decodeCRL(Array(PEM.encode(label: "X509 CRL", der: der).utf8), what: "x") == der)
        #expect(throws: DevProofError.self) { try CollateralFetcher.decodeCRL(Array("<html>oops</html>".utf8), what: "x") }
        #expect(throws: DevProofError.self) { try CollateralFetcher.decodeCRL(Array(PEM.encode(label: "CERTIFICATE", der: der).utf8), what: "x") }
    }
}

@Suite("tdx: collateral fetch (corpus)", .serialized)
struct CollateralFetchCorpusTests {
    @Test func corpusRoundTripVerifiesUpToDate() throws {
        guard let path = TestPaths.corpusFile("dcap/tdx_quote_collateral.json"), let q = try corpusDCAP("tdx_quote") else {
            if TestPaths.corpusRequired { Issue.record("corpus required") }
            return
        }
        let server = try LocalServer(script: "pcs_server.py", args: [path])
        defer { server.stop() }
        let quote = try Quote.parse(q)
        let coll = try loopbackFetcher(server).fetch(for: quote)
        #expect(coll == (try QuoteCollateral.parse(json: try InputFile.read(path))))
        let r = DCAPVerifier.verify(quote: quote, collateral: coll, now: 1752919234, rootCA: nil, intelRules: false)
        #expect(r.accepted, "\(r.stages)")
        #expect(r.verdict == TCBVerdict(.upToDate, []))
    }

    @Test func corpusSGXQuoteUsesSGXPathsAndProcessorCA() throws {
        guard let path = TestPaths.corpusFile("dcap/sgx_quote_collateral.json"), let q = try corpusDCAP("sgx_quote") else { return }
        let server = try LocalServer(script: "pcs_server.py", args: [path, "--crl-encoding", "hex"])
        defer { server.stop() }
        let quote = try Quote.parse(q)
        let t = try CollateralFetcher.target(for: quote)
        #expect(t.tee == .sgx && t.fmspc.hex == "00a067110000")
        let coll = try loopbackFetcher(server).fetch(t)
        #expect(coll == (try QuoteCollateral.parse(json: try InputFile.read(path))))
        let r = DCAPVerifier.verify(quote: quote, collateral: coll, now: 1752919277, rootCA: nil, intelRules: false)
        #expect(r.accepted, "\(r.stages)")
        #expect(r.verdict?.status == .configurationAndSWHardeningNeeded)
        let log = try HTTPClient(progress: nil).get("\(server.baseURL)/_log").bodyText
        #expect(log.contains("/sgx/certification/v4/tcb?fmspc=00A067110000"))
        #expect(log.contains("/sgx/certification/v4/qe/identity"))
    }

    @Test func intelRootNamesItsCRLDistributionPoint() throws {
        guard let bytes = try corpusDCAP("tdx_quote_collateral.json") else { return }
        let c = try QuoteCollateral.parse(json: bytes)
        let root = try #require(try X509Certificate.chain(pem: c.qeIdentityIssuerChain).last)
        #expect(CollateralFetcher.crlDistributionPoints(root) == ["https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"])
    }
}
