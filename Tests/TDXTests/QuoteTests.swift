import DevProofCore
import Testing
@testable import TDX

@Suite("TDX quote parser (corpus)")
struct QuoteCorpusTests {
    @Test func tdxV4Quote() throws {
        guard let raw = try corpusDCAP("tdx_quote") else { return }
        let q = try Quote.parse(raw)
        #expect(q.version == 4)
        #expect(q.teeType == .tdx)
        #expect(q.signedLength == 632)
        #expect(q.signedRegion.count == 632)
        #expect(q.quoteLength == 4936)
        #expect(q.trailingByteCount == 70)
        #expect(!q.hasNonZeroTrailingBytes)
        #expect(q.header.qeVendorID == QuoteHeader.intelQEVendorID)
        #expect(q.header.attestationKeyType == 2)
        guard case .td10 = q.body else { Issue.record("expected TD 1.0 body"); return }
        #expect(q.mrTD?.hex == "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7")
        #expect(q.rtmrs?.map(\.hex) == [
            "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0",
            "0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d54e579e9378",
            "d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132",
            String(repeating: "00", count: 48),
        ])
        #expect(q.reportData.hex == "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20")
        #expect(q.teeTCBSVN?.hex == "06010300000000000000000000000000")
        #expect(q.mrSeam?.hex == "5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b7cad34207b00c1")
        #expect(q.mrSignerSeam?.isAllZero == true)
        #expect(q.tdAttributes?.hex == "0000001000000000")
        #expect(q.xfam?.hex == "e702060000000000")
        #expect(q.mrConfigID?.isAllZero == true)
        #expect(q.mrOwner?.isAllZero == true)
        #expect(q.mrOwnerConfig?.isAllZero == true)
        #expect(q.mrServiceTD == nil)
        #expect(q.mrEnclave == nil)
        let s = q.signatureData
        #expect(s.outerCertType == 6)
        #expect(s.certType == 5)
        #expect(s.qeAuthData == Bytes(0..<32))
        #expect(s.offsets.signature == 636)
        #expect(s.offsets.attestationKey == 700)
        #expect(s.offsets.qeReport == 770)
        #expect(s.offsets.qeReportSignature == 1154)
        #expect(s.offsets.qeAuthData == 1220)
        #expect(s.offsets.certData == 1258)
        #expect(s.certData.count == 3678)
        #expect(String(decoding: s.certData, as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(s.qeReport.isvSVN == 6)
    }

    @Test func sgxV3Quote() throws {
        guard let raw = try corpusDCAP("sgx_quote") else { return }
        let q = try Quote.parse(raw)
        #expect(q.version == 3)
        #expect(q.teeType == .sgx)
        #expect(q.signedLength == 432)
        #expect(q.quoteLength == 4600)
        #expect(q.trailingByteCount == 0)
        #expect(q.header.qeSVN == 10)
        #expect(q.header.pceSVN == 15)
        #expect(q.mrEnclave?.hex == "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb")
        #expect(q.mrSigner?.hex == "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6")
        #expect(q.sgxAttributes?.hex == "0500000000000000e700000000000000")
        #expect(q.enclaveReport?.cpuSVN.hex == "0b0b1a18ffff04000000000000000000")
        #expect(q.reportData.hex.hasPrefix("48656c6c6f2c20776f726c6421"))
        #expect(q.mrTD == nil)
        #expect(q.signatureData.outerCertType == nil)
        #expect(q.signatureData.offsets.qeReport == 564)
        #expect(q.signatureData.offsets.certData == 1052)
        #expect(q.signatureData.certType == 5)
    }

    @Test func tdxV5TD15Quote() throws {
        guard let raw = try corpusDCAP("tdx_quote_outdated") else { return }
        let q = try Quote.parse(raw)
        #expect(q.version == 5)
        #expect(q.teeType == .tdx)
        #expect(q.bodyDescriptor?.type == 3)
        #expect(q.bodyDescriptor?.size == 648)
        #expect(q.signedLength == 702)
        guard case .td15 = q.body else { Issue.record("expected TD 1.5 body"); return }
        #expect(q.mrTD?.hex == "273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1ae451d382d5a9b1b4c0ed0e5ae9a3dbd")
        #expect(q.teeTCBSVN?.hex == "07010300000000000000000000000000")
        #expect(q.tdReport?.teeTCBSVN2?.hex == "0d010300000000000000000000000000")
        #expect(q.mrServiceTD?.isAllZero == true)
        #expect(q.xfam?.hex == "e718060000000000")
        #expect(q.signatureData.offsets.signature == 706)
        #expect(q.signatureData.offsets.attestationKey == 770)
        #expect(q.signatureData.offsets.qeReport == 840)
    }

    @Test func hexTextInput() throws {
        guard let raw = try corpusDCAP("tdx_quote") else { return }
        let q1 = try Quote.load(fileBytes: raw)
        let q2 = try Quote.load(fileBytes: Array(("0x" + raw.hex + "\n").utf8))
        let q3 = try Quote.load(fileBytes: Array(raw.hex.uppercased().utf8))
        #expect(q1 == q2)
        #expect(q1 == q3)
    }

    @Test func trailingBytes() throws {
        guard let raw = try corpusDCAP("tdx_quote") else { return }
        var m = raw; m[5000] ^= 1
        let q = try Quote.parse(m)
        #expect(q.hasNonZeroTrailingBytes)
        let cut = try Quote.parse(Array(raw.prefix(4936)))
        #expect(cut.trailingByteCount == 0)
    }

    @Test func everyTruncationIsMalformed() throws {
        guard let raw = try corpusDCAP("tdx_quote") else { return }
        // Every prefix shorter than the quote proper must throw a malformed error, never trap.
        for n in stride(from: 0, to: 4936, by: 7) {
            #expect(throws: DevProofError.self) { try Quote.parse(Array(raw.prefix(n))) }
        }
        #expect(throws: DevProofError.self) { try Quote.parse(Array(raw.prefix(4935))) }
        guard let sgx = try corpusDCAP("sgx_quote") else { return }
        for n in stride(from: 0, to: 4600, by: 11) {
            #expect(throws: DevProofError.self) { try Quote.parse(Array(sgx.prefix(n))) }
        }
    }

    @Test func corruptedLengthsAndTypes() throws {
        guard let raw = try corpusDCAP("tdx_quote") else { return }
        func expectMalformed(_ m: Bytes, _ what: String) {
            do { _ = try Quote.parse(m); Issue.record("accepted: \(what)") } catch let e as DevProofError {
                guard case .malformed(let msg) = e else { Issue.record("wrong error kind for \(what)"); return }
                #expect(!msg.contains("\n"))
            } catch { Issue.record("unexpected error \(error) for \(what)") }
        }
        var m = raw; m[0] = 6; expectMalformed(m, "version 6")
        m = raw; m[0] = 5; expectMalformed(m, "version 5 with body type 0x81… misread")
        m = raw; m[4] = 0x82; expectMalformed(m, "unknown TEE type")
        m = raw; m[632 + 3] = 0xff; expectMalformed(m, "huge signature data length")
        m = raw; m[766 + 3] = 0x7f; expectMalformed(m, "huge certification data size")
        m = raw; m[1218] = 0xff; m[1219] = 0xff; expectMalformed(m, "QE auth data beyond the end")
        m = raw; m[1254 + 2] = 0x10; expectMalformed(m, "PCK cert data beyond the end")
        guard let sgx = try corpusDCAP("sgx_quote") else { return }
        m = sgx; m[4] = 0x81; expectMalformed(m, "v3 with TDX TEE type")
    }

    @Test func garbage() throws {
        #expect(throws: DevProofError.self) { try Quote.parse([]) }
        #expect(throws: DevProofError.self) { try Quote.parse(Bytes(repeating: 0xff, count: 100)) }
        #expect(throws: DevProofError.self) { try Quote.load(fileBytes: []) }
        #expect(throws: DevProofError.self) { try Quote.load(fileBytes: Array("not a quote at all".utf8)) }
        var g: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<200 {
            var b = Bytes()
            for _ in 0..<Int(g % 2000) { g = g &* 6364136223846793005 &+ 1442695040888963407; b.append(UInt8(g >> 56)) }
            if b.count > 2 { b[0] = 4; b[1] = 0 }
            _ = try? Quote.parse(b)
        }
    }
}
