@testable import DevProofChecks
import DevProofCore
import Dstack
import TDX
import TestSupport
import Testing

/// `--policy` parsing and the per-mode validation of flags (no flag is silently ignored).
@Suite("attest: policy file and mode validation")
struct AttestPolicyTests {
    static let app = String(repeating: "ab", count: 20), ch = String(repeating: "cd", count: 32)

    @Test func jsonAndYamlGiveTheSamePolicy() throws {
        let json = try AttestPolicy.parse(Array(#"{"tcb":{"allowed_statuses":["UpToDate","OutOfDate"],"allow_debug":false},"reference":{"app_id":"\#(Self.app)","compose_hash":["\#(Self.ch)"],"rtmr3":"\#(String(repeating: "00", count: 48))"}}"#.utf8), name: "p")
        let yaml = try AttestPolicy.parse(Array("""
            tcb:
              allowed_statuses: [UpToDate, OutOfDate]
              allow_debug: false
            reference:
              app_id: \(Self.app)
              compose_hash:
                - \(Self.ch)
              rtmr3: "\(String(repeating: "00", count: 48))"
            """.utf8), name: "p")
        #expect(json == yaml)
        #expect(json.references.appId.map(\.bytes) == [Bytes(repeating: 0xab, count: 20)])
        #expect(json.allowedTCBStatuses == ["UpToDate", "OutOfDate"] && json.allowDebug == false)
    }

    @Test func malformedPoliciesAreMalformedInput() {
        for (text, msg) in [(#"{"reference":{"app_id":"\#(Self.app)","app_id":"\#(Self.app)"}}"#, "duplicate key"),
                            ("reference:\n  app_id: \(Self.app)\n  app_id: \(Self.app)\n", "duplicate key 'app_id'"),
                            ("refrence:\n  app_id: \(Self.app)\n", "unknown key 'refrence'"),
                            ("tcb:\n  allow_debug: maybe\n", "true or false"),
                            ("reference:\n  mr_td: [\(String(repeating: "00", count: 48)), \(String(repeating: "00", count: 48))]\n", "takes one value"),
                            ("reference:\n  os: {mrtd: \"00\"}\n", "48 bytes")] {
            #expect(throws: DevProofError.self) { try AttestPolicy.parse(Array(text.utf8), name: "p") }
            do { _ = try AttestPolicy.parse(Array(text.utf8), name: "p") } catch let e as DevProofError {
                #expect(e.category == .malformedInput && e.description.contains(msg), "\(text): \(e)")
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func flagsOverrideThePolicyKeyByKey() throws {
        let file = try AttestPolicy.parse(Array("reference:\n  app_id: \(Self.app)\n  compose_hash: \(Self.ch)\n".utf8), name: "p").references
        var flags = AttestReferences()
        flags.composeHash = [try Hash32Value(parsing: String(repeating: "11", count: 32), what: "f")]
        let merged = flags.overriding(file)
        #expect(merged.composeHash.map(\.bytes) == [Bytes(repeating: 0x11, count: 32)], "the flag wins")
        #expect(merged.appId == file.appId, "the file's other keys stay")
    }

    @Test func everyUnusedFlagIsAUsageError() throws {
        func opts(_ f: (inout AttestOptions) -> Void) -> AttestOptions { var o = AttestOptions(now: 0); o.quotePath = "q"; f(&o); return o }
        let cases: [(AttestOptions, String)] = [
            (opts { $0.noDCAP = true; $0.collateralPath = "c" }, "--collateral"),
            (opts { $0.noDCAP = true; $0.pccsURL = "phala" }, "--pccs"),
            (opts { $0.simulator = true; $0.saveCollateralPath = "s" }, "--save-collateral"),
            (opts { $0.simulator = true; $0.rootCAPath = "r" }, "--root-ca"),
            (opts { $0.noDCAP = true; $0.tcbStatusesGiven = true }, "--allow-tcb-status"),
            (opts { $0.noDCAP = true; $0.advisoriesGiven = true }, "--allow-advisory"),
            (opts { $0.noDCAP = true; $0.intelRules = true }, "--intel-rules"),
            (opts { $0.noDCAP = true; $0.simulator = true }, "--no-dcap and --simulator"),
            (opts { $0.pccsURL = "phala"; $0.collateralPath = "c" }, "--pccs is not used with --collateral"),
            (opts { $0.pccsURL = "phala"; $0.offline = true }, "--pccs is not used with --offline"),
            (opts { $0.saveCollateralPath = "s"; $0.offline = true }, "--save-collateral"),
            (opts { $0.references.appId = [AppIDValue(bytes: Bytes(repeating: 1, count: 20))] }, "--expect-app-id"),
            (opts { $0.quotePath = nil }, "needs --quote FILE or --evidence FILE"),
        ]
        for (o, msg) in cases {
            #expect(throws: DevProofError.self) { try AttestMode.validate(o) }
            do { _ = try AttestMode.validate(o) } catch let e as DevProofError {
                #expect(e.category == .usage && e.description.contains(msg), "\(msg): \(e)")
            } catch { Issue.record("\(error)") }
        }
        #expect(try AttestMode.validate(opts { _ in }) == .quote)
        #expect(try AttestMode.validate(opts { $0.eventLogPath = "l" }) == .evidence)
    }
}

/// Attack: an RA-TLS chain whose second certificate (the KMS CA's) carries its own quote. That quote is not the one
/// DCAP verified in this run, so it can never be what makes ratls.binding pass.
@Suite("attest: ratls binding only through the verified quote (corpus)")
struct AttestRATLSCorpusTests {
    @Test func otherCertificatesQuotesAreNotVerifiedEvidence() throws {
        guard let p = TestPaths.corpusFile("kms-info/prod9-base.json") else { print("SKIP: corpus absent"); return }
        var ev = try DstackEvidence.detect(try InputFile.read(p), name: "prod9")
        let quote = try Quote.parse(try #require(ev.quote))
        let regs = try QuoteRegisters(quote)
        let ok = AttestEvidence.ratlsCheck(ev, regs)
        #expect(ok.status == .pass)
        #expect(ok.summary.contains("1 RA-TLS certificate(s) bound by the verified quote") && ok.summary.contains("NOT DCAP-verified"), "\(ok.summary)")
        // The verified quote is another one: no certificate is bound by verified evidence.
        ev.quote = try InputFile.read(TestPaths.fixture("dcap/tdx-v4-valid.quote"))
        let none = AttestEvidence.ratlsCheck(ev, regs)
        #expect(none.status == .skip && none.summary.contains("no certificate carries the quote this run verified"))
    }
}
