import DevProofCore
import Foundation
import TDX
import TestSupport
import Testing
@testable import Dstack

/// Reads a corpus file; nil (visible skip) when the corpus is absent, a recorded issue when CI requires it.
func corpusFile(_ rel: String) throws -> Bytes? {
    guard let path = TestPaths.corpusFile(rel) else {
        if TestPaths.corpusRequired { Issue.record("corpus required but missing (DEVPROOF_CORPUS)") }
        else { print("SKIP: corpus absent, \(rel) not tested (set DEVPROOF_CORPUS)") }
        return nil
    }
    return try InputFile.read(path)
}

func registers(_ q: Bytes) throws -> QuoteRegisters { try QuoteRegisters(try Quote.parse(q)) }

@Suite("dstack corpus: replay, identity, compose hash, RA-TLS on real evidence")
struct DstackCorpusTests {
    static let kmsInfoFiles = ["prod5-pha.json", "prod7-eth.json", "prod9-base.json"]

    @Test func liteGetQuoteReplaysAllFourAndIdentity() throws {
        guard let b = try corpusFile("dstack/tdx-lite-getquote.json") else { return }
        let ev = try DstackEvidence.detect(b)
        #expect(ev.kind == .getQuote)
        let regs = try registers(try #require(ev.quote))
        let log = try #require(ev.primaryLog).log
        #expect(log.events.filter(\.isRuntime).allSatisfy { $0.digest.isEmpty }, "fixture's runtime digests are blank")
        #expect(log.replay() == regs.rtmrs)
        let id = AppIdentity(log)
        #expect(id.appId?.hex == "86b0e55f2fa8e4fb69d890f14f54d5612707646e")
        #expect(id.composeHash?.hex == "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9")
        #expect(id.instanceId?.hex == "050bf89570575fe8fab4cb8f0a62a9e64efe8ead")
        #expect(id.keyProviderName == "kms" && id.storageFS == "zfs" && id.systemReady)
        #expect(regs.mrConfigId == MrConfigId.v1(composeHash: try #require(id.composeHash)))
        #expect(DerivedIdentity.mrSystem(mrTD: regs.mrTD, rtmrs: regs.rtmrs, keyProviderInfo: id.keyProviderInfo).hex.hasPrefix("118f754a"))
    }

    @Test func liteAttestationSameBoot() throws {
        guard let a = try corpusFile("dstack/tdx-lite-attestation.json"), let g = try corpusFile("dstack/tdx-lite-getquote.json") else { return }
        let ev = try DstackEvidence.detect(a)
        #expect(ev.kind == .attestation)
        let att = try #require(ev.attestation)
        #expect(att.runtimeListsAgree)
        let regs = try registers(att.quote)
        let gq = try registers(try #require(try DstackEvidence.detect(g).quote))
        #expect(regs.rtmrs == gq.rtmrs && regs.mrTD == gq.mrTD)
        #expect(att.mergedLog.replay()[3] == regs.rtmrs[3])
        #expect(AppIdentity(att.mergedLog).composeHash?.hex.hasPrefix("86b0e55f") == true)
        #expect(att.vmConfig?["tdx_attestation_variant"]?.stringValue == "lite")
        #expect(String(decoding: att.reportData.prefix(20), as: UTF8.self) == "dip1::secp256k1c-pk:")
    }

    @Test func quoteReportAppEventAfterSystemReady() throws {
        guard let b = try corpusFile("dstack/quote-report.json") else { return }
        let ev = try DstackEvidence.detect(b)
        let regs = try registers(try #require(ev.quote))
        let log = try #require(ev.primaryLog).log
        #expect(log.replay() == regs.rtmrs)
        #expect(log.runtimeDigestMismatches().isEmpty)
        let id = AppIdentity(log)
        #expect(id.keyProviderName == "local-sgx")
        #expect(id.appEvents.map(\.name) == ["LIUM_MINER_HOTKEY"])
        #expect(MrConfigId.decode(regs.mrConfigId) == .zero)
    }

    @Test func rtmr3BasedComposeRawBytes() throws {
        guard let c = try corpusFile("compose/rtmr3-based-app-compose.json"), let r = try corpusFile("compose/rtmr3-based-report.json") else { return }
        #expect(c.count == 512)
        let h = ComposeHash.raw(c)
        #expect(h.hex == "06768e6df639ce3be65e9e5321f8b2d82dbffb01c74323462d34c2feb9653aff")
        #expect(try ComposeHash.canonicalSDKHash(try JSONParser.parse(c)) != h, "re-serializing changes the hash")
        let ev = try DstackEvidence.detect(r)
        let regs = try registers(try #require(ev.quote))
        let log = try #require(ev.primaryLog).log
        #expect(log.replay() == regs.rtmrs)
        let id = AppIdentity(log)
        #expect(id.composeHash == h)
        #expect(id.appId == Array(h.prefix(20)))
        #expect(MrConfigId.decode(regs.mrConfigId) == .zero)
    }

    @Test(arguments: kmsInfoFiles)
    func kmsInfo(_ name: String) throws {
        guard let b = try corpusFile("kms-info/\(name)") else { return }
        let ev = try DstackEvidence.detect(b, name: name)
        #expect(ev.kind == .info)
        let leaf = try #require(ev.certs.first)
        #expect(leaf.quote != nil && leaf.eventLogJSON != nil)
        let regs = try registers(try #require(ev.quote))
        #expect(regs.reportData == Digest.sha512(Array("ratls-cert:".utf8) + leaf.spkiDER))
        #expect(ev.eventLogs.count == 2)
        for src in ev.eventLogs { #expect(src.log.replay() == regs.rtmrs, "\(src.source)") }
        let id = AppIdentity(try #require(ev.primaryLog).log)
        let compose = ComposeHash.raw(try #require(ev.appCompose))
        #expect(id.composeHash == compose)
        #expect(regs.mrConfigId == MrConfigId.v1(composeHash: compose))
        let v = try JSONParser.parse(b)
        #expect(v["compose_hash"]?.stringValue == compose.hex)
        #expect(regs.tdAttributes.hex == "0000001000000000" && !regs.debug)
        // The Info response's own mr_aggregated claim equals our derivation.
        let agg = DerivedIdentity.mrAggregated(mrTD: regs.mrTD, rtmrs: regs.rtmrs, mrConfigId: regs.mrConfigId,
                                               mrOwner: regs.mrOwner, mrOwnerConfig: regs.mrOwnerConfig)
        #expect(v["mr_aggregated"]?.stringValue == agg.hex)
    }

    @Test func liteMeasurementReproducesMRTDAndRTMR0to2() throws {
        for f in ["dstack/tdx-lite-getquote.json", "dstack/tdx-lite-attestation.json"] {
            guard let b = try corpusFile(f) else { return }
            let ev = try DstackEvidence.detect(b)
            let regs = try registers(try #require(ev.quote))
            let vc = try #require(ev.vmConfig)
            let res = try LiteMeasurement.compute(vmConfig: vc, acpiDigests: LiteMeasurement.acpiDigests(try #require(ev.primaryLog).log))
            #expect(res.reference.mrTD == regs.mrTD, "\(f) MRTD")
            #expect(res.reference.rtmr0 == regs.rtmrs[0], "\(f) RTMR0")
            #expect(res.reference.rtmr1 == regs.rtmrs[1], "\(f) RTMR1")
            #expect(res.reference.rtmr2 == regs.rtmrs[2], "\(f) RTMR2")
        }
    }

    @Test func liteMeasurementRejectsWrongInputs() throws {
        guard let b = try corpusFile("dstack/tdx-lite-getquote.json") else { return }
        let ev = try DstackEvidence.detect(b)
        let vc = try #require(ev.vmConfig)
        let acpi = LiteMeasurement.acpiDigests(try #require(ev.primaryLog).log)
        func with(_ k: String, _ v: JSONValue) -> JSONValue {
            guard case .object(var m) = vc, let i = m.firstIndex(where: { $0.key == k }) else { return vc }
            m[i] = JSONMember(k, v); return .object(m)
        }
        #expect(throws: (any Error).self) { try LiteMeasurement.compute(vmConfig: with("os_image_hash", .string(String(repeating: "00", count: 32))), acpiDigests: acpi) }
        #expect(throws: (any Error).self) { try LiteMeasurement.compute(vmConfig: with("memory_size", .number("1073741824")), acpiDigests: acpi) }
        #expect(throws: (any Error).self) { try LiteMeasurement.compute(vmConfig: vc, acpiDigests: Array(acpi.prefix(2))) }
        #expect(throws: (any Error).self) { try LiteMeasurement.compute(vmConfig: with("qemu_version", .string("7.2.0")), acpiDigests: acpi) }
        // Another VM shape gives other registers (not an error): 4 GiB changes the TD HOB → RTMR0.
        let big = try LiteMeasurement.compute(vmConfig: with("memory_size", .number("4294967296")), acpiDigests: acpi)
        let regs = try registers(try #require(ev.quote))
        #expect(big.reference.rtmr0 != regs.rtmrs[0])
        #expect(big.reference.rtmr1 == regs.rtmrs[1])
    }
}
