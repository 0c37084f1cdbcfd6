import DevProofCore
import Testing
@testable import Dstack

@Suite("dstack: runtime events, compose hash, mr_config_id vectors")
struct DstackVectorTests {
    @Test func runtimeEventV1Vector() throws {
        let pre = RuntimeEvent.preimageV1(name: "app-id", payload: try Hex.decode("deadbeef"))
        #expect(pre.hex == "010000083a6170702d69643adeadbeef")
        #expect(RuntimeEvent.digest(name: "app-id", payload: try Hex.decode("deadbeef"), version: nil).hex
                == "67b4be4efed0893cfa2bb1d35dca209ad8348b4c97f980807bcde8b9a0f26398dd0923d6eccb5aa2096d98046da8740f")
        #expect(RuntimeEvent.digest(name: "system-preparing", payload: [], version: 1).hex.hasPrefix("f9974020ef507068"))
    }

    @Test func runtimeEventV2Vector() throws {
        let pre = RuntimeEvent.preimageV2(name: "compose-hash", payload: [0xab, 0xcd])
        #expect(String(decoding: pre, as: UTF8.self) == #"{"name":"compose-hash","payload":"abcd","type":134217729}"#)
        #expect(Digest.sha384(pre).hex == "9dde1673f544faa94b921825209593ddde08d0baf9cd6990175dffaf3081f1bb10311d56de189491feb33842a050ad7b")
        // V1 and V2 differ for the same event.
        #expect(RuntimeEvent.digest(name: "compose-hash", payload: [0xab, 0xcd], version: 2)
                != RuntimeEvent.digest(name: "compose-hash", payload: [0xab, 0xcd], version: nil))
    }

    @Test func replayFoldsPerIMR() throws {
        let d0 = Bytes(repeating: 1, count: 48)
        let log = EventLog([TdxEvent(imr: 0, eventType: 1, digest: d0, name: "", payload: []),
                            TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: [], name: "x", payload: [1])])
        let r = log.replay()
        #expect(r[0] == Digest.sha384(Bytes(repeating: 0, count: 48) + d0))
        #expect(r[1] == Bytes(repeating: 0, count: 48))
        #expect(r[3] == Digest.sha384(Bytes(repeating: 0, count: 48) + RuntimeEvent.digest(name: "x", payload: [1], version: nil)))
    }

    @Test func runtimeDigestMismatchIsFound() throws {
        let good = RuntimeEvent.digest(name: "a", payload: [1], version: nil)
        var bad = good; bad[0] ^= 1
        let log = EventLog([TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: good, name: "a", payload: [1]),
                            TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: bad, name: "a", payload: [1]),
                            TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: [], name: "a", payload: [1])])
        let m = log.runtimeDigestMismatches()
        #expect(m.count == 1 && m.first?.index == 1)
    }

    @Test func v2PreimageMustBeCanonical() throws {
        let canon = RuntimeEvent.preimageV2(name: "n", payload: [1])
        let other = Array(#"{"payload":"01","name":"n","type":134217729}"#.utf8)
        let ok = EventLog([TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: Digest.sha384(canon), name: "n", payload: [1], version: 2, preimage: canon)])
        let bad = EventLog([TdxEvent(imr: 3, eventType: RuntimeEvent.eventType, digest: [], name: "n", payload: [1], version: 2, preimage: other)])
        #expect(ok.runtimeDigestMismatches().isEmpty)
        #expect(bad.runtimeDigestMismatches().first?.what == "preimage")
    }

    @Test func eventLogParsesArrayAndString() throws {
        let arr = #"[{"imr":3,"event_type":134217729,"digest":"","event":"app-id","event_payload":"00ff"}]"#
        let a = try EventLog.parse(bytes: Array(arr.utf8))
        let s = try EventLog.parse(try JSONParser.parse("\"" + arr.replacingOccurrences(of: "\"", with: "\\\"") + "\""))
        #expect(a == s)
        #expect(a.events.first?.payload == [0, 0xff])
    }

    @Test(arguments: [
        #"{"imr":3}"#, #"[{"imr":-1,"event_type":1}]"#, #"[{"imr":0,"event_type":1,"digest":"zz"}]"#,
        #"[{"imr":0,"event_type":1,"event":5}]"#, #"[{"imr":3,"event_type":134217729,"version":7}]"#, #""not json""#, "[1]",
    ])
    func malformedEventLogsThrow(_ text: String) {
        #expect(throws: DevProofError.self) { try EventLog.parse(bytes: Array(text.utf8)) }
    }

    @Test func canonicalSDKFormVector() throws {
        let input = #"{"runner":"docker-compose","docker_compose_file":"docker-compose.yml","text":"你好世界","id":"c73a3a4e-ce71-4c12-a1b7-78be1a2e48e0","b_number":123,"a_status":true,"z_items":[3,1,2],"nested":{"gamma":3.14,"alpha":"first"}}"#
        let v = try JSONParser.parse(input)
        #expect(try ComposeHash.canonicalSDKForm(v) == #"{"a_status":true,"b_number":123,"docker_compose_file":"docker-compose.yml","id":"c73a3a4e-ce71-4c12-a1b7-78be1a2e48e0","nested":{"alpha":"first","gamma":3.14},"runner":"docker-compose","text":"你好世界","z_items":[3,1,2]}"#)
        #expect(try ComposeHash.canonicalSDKHash(v).hex == "0705386656362891629ac994406f4e31ba5c805b9638538df415c56768a504f4")
        #expect(throws: DevProofError.self) { try ComposeHash.canonicalSDKForm(try JSONParser.parse(#"{"name":"x"}"#)) }
    }

    @Test func mrConfigIdForms() throws {
        let ch = Bytes(repeating: 0x22, count: 32), app = Bytes(repeating: 0x11, count: 20), kp = Bytes(repeating: 0x33, count: 32)
        #expect(MrConfigId.v2Digest(composeHash: ch, appId: app, keyProviderKind: 2, keyProviderId: kp).hex
                == "7f2ca741da9d356026ab20ca640abf06198829a128817b091bbc9aec1ed97b60")
        let doc = #"{"app_id":"1111111111111111111111111111111111111111","compose_hash":"2222222222222222222222222222222222222222222222222222222222222222","gpu_policy_hash":"5555555555555555555555555555555555555555555555555555555555555555","instance_id":"4444444444444444444444444444444444444444","key_provider":"kms","key_provider_id":"3333333333333333333333333333333333333333333333333333333333333333","version":3}"#
        #expect(MrConfigId.v3DocHash(Array(doc.utf8)).hex == "90e5cffa571b22c2ca846872d6fb7b071aa1346f1a1f87f72869c47b39d94099")
        #expect(MrConfigId.decode(Bytes(repeating: 0, count: 48)) == .zero)
        #expect(MrConfigId.decode(MrConfigId.v1(composeHash: ch)) == .v1(composeHash: ch))
        #expect(MrConfigId.decode([9] + Bytes(repeating: 0, count: 47)) == .unknown(first: 9))
    }

    @Test func mrSystemAndAggregatedFormulas() throws {
        let z48 = Bytes(repeating: 0, count: 48)
        let a = DerivedIdentity.mrAggregated(mrTD: z48, rtmrs: [z48, z48, z48, z48], mrConfigId: z48, mrOwner: z48, mrOwnerConfig: z48)
        #expect(a == Digest.sha256(Bytes(repeating: 0, count: 48 * 5)))
        let b = DerivedIdentity.mrAggregated(mrTD: z48, rtmrs: [z48, z48, z48, z48], mrConfigId: [1] + Bytes(repeating: 0, count: 47), mrOwner: z48, mrOwnerConfig: z48)
        #expect(b == Digest.sha256(Bytes(repeating: 0, count: 48 * 5) + [1] + Bytes(repeating: 0, count: 47 + 96)))
        #expect(DerivedIdentity.mrSystem(mrTD: z48, rtmrs: [z48, z48, z48, z48], keyProviderInfo: nil)
                == Digest.sha256(Bytes(repeating: 0, count: 48 * 4 + 32)))
    }

    @Test func bindingProfiles() throws {
        #expect(try ReportDataBinding.parse("raw:1234").expected(file: nil) == [0x12, 0x34] + Bytes(repeating: 0, count: 62))
        let f = Array("hello".utf8)
        #expect(try ReportDataBinding.parse("sha512-tag:app-data:/x").expected(file: f) == Digest.sha512(Array("app-data:hello".utf8)))
        #expect(try ReportDataBinding.parse("sha256-pad:/x").expected(file: f) == Digest.sha256(f) + Bytes(repeating: 0, count: 32))
        #expect(try ReportDataBinding.parse("hexascii-sha256:/x").expected(file: f) == Array(Digest.sha256(f).hex.utf8))
        for bad in ["raw:zz", "raw:" + String(repeating: "00", count: 65), "sha512-tag:onlytag", "nope:x", "raw"] {
            #expect(throws: DevProofError.self) { try ReportDataBinding.parse(bad) }
        }
    }

    @Test func scaleAttestationRejectsGarbage() throws {
        #expect(throws: DevProofError.self) { try DstackAttestation.decode([]) }
        #expect(throws: DevProofError.self) { try DstackAttestation.decode([0x00, 0x00, 0xff, 0xff]) }
        #expect(throws: DevProofError.self) { try DstackAttestation.decode([0x00, 0x03]) }
        #expect(throws: DevProofError.self) { try DstackAttestation.decode([0x81, 0xa1]) }
        #expect(throws: DevProofError.self) { try DstackAttestation.decode([0x07]) }
        // A huge compact length must not allocate or trap.
        #expect(throws: DevProofError.self) { try DstackAttestation.decode([0x00, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff]) }
    }

    @Test func evidenceShapeDetection() throws {
        #expect(throws: DevProofError.self) { try DstackEvidence.detect(Array(#"{"foo":1}"#.utf8)) }
        #expect(throws: DevProofError.self) { try DstackEvidence.detect(Array("hello".utf8)) }
        #expect(throws: DevProofError.self) { try DstackEvidence.detect([]) }
        #expect(throws: DevProofError.self) { try DstackEvidence.detect(Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8)) }
        #expect(throws: DevProofError.self) { try DstackEvidence.detect(Array(#"{"quote":"xyz"}"#.utf8)) }
        let ok = try DstackEvidence.detect(Array(#"{"quote":"00","event_log":"[]","vm_config":"{}"}"#.utf8))
        #expect(ok.kind == .getQuote && ok.quote == [0])
        let oracle = try DstackEvidence.detect(Array(#"{"statement":{"a":1},"reportDataHash":"ab","quote":"0011"}"#.utf8))
        #expect(oracle.kind == .oracle)
    }

    @Test func cborAndWitnessRejectGarbage() throws {
        var r = CBORReader([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        #expect(throws: ByteReaderError.self) { try r.item(depth: 0) }
        var r2 = CBORReader([0xbf])
        #expect(throws: ByteReaderError.self) { try r2.item(depth: 0) }
        #expect(throws: (any Error).self) { try LiteMeasurement.tdHobHash([0x80], memorySize: 1 << 31) }
        #expect(throws: (any Error).self) { try LiteMeasurement.tdHobHash([0, 0, 0, 7], memorySize: 1 << 31) }
        #expect(throws: (any Error).self) { try LiteMeasurement.tdHobHash([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0], memorySize: 1 << 31) }
    }

    @Test func jsStringifyKeepsOrderAndJSNumbers() throws {
        let v = try JSONParser.parse(#"{"z":1703347200000.0,"a":"é/\u0001","n":[1e21,0.5,-0.0],"d":2}"#)
        #expect(JSStringify.stringify(v) == #"{"z":1703347200000,"a":"é/\u0001","n":[1e+21,0.5,0],"d":2}"#)
        // Duplicate keys are refused (JS would keep the last, a first-wins reader the first): error names key and offset.
        #expect { try JSONParser.parse(#"{"d":1,"d":2}"#) } throws: { e in
            guard let e = e as? JSONParseError else { return false }
            return e.message.contains("\"d\"") && e.offset == 7
        }
    }
}

@Suite("dstack: number formatting (ECMAScript, Python)")
struct NumberFormatTests {
    @Test(arguments: [
        (1703347200000, "1703347200000"), (1e16, "10000000000000000"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (0.1, "0.1"), (1.5e-7, "1.5e-7"), (123.456, "123.456"), (-0.0, "0"), (0.000001, "0.000001"), (1e-7, "1e-7"),
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (100, "100"), (-42.5, "-42.5"),
        (0.30000000000000004, "0.30000000000000004"), (123456789012345680000, "123456789012345680000"),
    ] as [(Double, String)])
    func ecmascript(_ x: Double, _ s: String) { #expect(NumberFormat.ecmascript(x) == s) }

    @Test(arguments: [
        (1.0, "1.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (1e-5, "1e-05"), (0.0001, "0.0001"),
        (3.14, "3.14"), (1.2345678901234568e17, "1.2345678901234568e+17"), (-2.5e-10, "-2.5e-10"), (1e100, "1e+100"),
    ] as [(Double, String)])
    func python(_ x: Double, _ s: String) { #expect(NumberFormat.pythonRepr(x) == s) }
}
