import DevProofChecks
import DevProofCore
import Foundation

/// `devproof-bench batch DIR COLLATERAL ROOT_CA OS_REF NOW`: `attest --evidence DIR` in process (AttestBatch: every
/// input judged, collateral verified once, the batch JSON rendered), best of 3; process start-up excluded.
func batchBench(_ args: [String]) throws {
    guard args.count == 5, let now = Int64(args[4]) else { fail("usage: devproof-bench batch DIR COLLATERAL ROOT_CA OS_REF NOW") }
    var o = AttestOptions(now: now)
    o.collateralPath = args[1]; o.rootCAPath = args[2]; o.osRefPath = args[3]; o.offline = true
    let inputs = try AttestBatch.expand([args[0]], flag: "evidence")
    var last: BatchReport?
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<3 {
        let t = clock.now
        let b = try AttestBatch.run(o, kind: .evidence, inputs: inputs)
        _ = ReportRenderer.batchJSON(b)
        let d = t.duration(to: clock.now)
        best = min(best, Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        last = b
    }
    guard let b = last else { return }
    let v = b.facts.first { $0.key == "collateral_verifications" }?.value.serialized() ?? "?"
    print(#"{"inputs":\#(inputs.count),"total_ms":\#(String(format: "%.1f", best)),"per_item_ms":\#(String(format: "%.4f", best / Double(inputs.count))),"verdict":"\#(b.verdict)","collateral_verifications":\#(v)}"#)
}
