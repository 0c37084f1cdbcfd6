import DevProofChecks
import DevProofCore
import Foundation

/// `devproof-bench dstack EVIDENCE [--iterations N] [attest flags…]`: the whole `attest --evidence` pipeline
/// (read, detect, parse, checks, facts, JSON rendering) in one process, best of 5 batches; process start-up excluded.
func dstackBench(_ args: [String]) throws {
    guard let path = args.first else { fail("usage: devproof-bench dstack EVIDENCE [--iterations N] [--no-dcap]") }
    var iterations = 200
    if let i = args.firstIndex(of: "--iterations"), i + 1 < args.count { iterations = Int(args[i + 1]) ?? 200 }
    var o = AttestOptions(now: 1_768_435_200)
    o.evidencePath = path
    o.noDCAP = true
    o.offline = true
    let first = try Attest.run(o)
    let ms = try measure(iterations) { _ = ReportRenderer.json(try Attest.run(o)) }
    print(#"{"ms":\#(String(format: "%.4f", ms)),"iterations":\#(iterations),"verdict":"\#(first.verdict.rawValue)","checks":\#(first.checks.count)}"#)
}
