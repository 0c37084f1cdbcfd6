import DevProofCore
import Foundation
import TDX

/// `devproof attest` over many inputs in one process: repeatable `--evidence` / `--quote`, or a directory (its
/// regular files, sorted). Each input gets exactly the report a single run would print for it; collateral is read,
/// fetched and verified once per FMSPC and source (`AttestCollateralCache`). A malformed input is that input's
/// error (exit 2 for it); the others still run. The batch's exit code is `BatchReport.exitCode`'s precedence.
public enum AttestBatch {
    public enum Kind: String, Sendable { case quote, evidence }

    /// Bound on the number of inputs of one batch (over it: exit 2). Every item's report is held until the summary is
    /// printed (~50 KB each for a KMS Info), so this also bounds memory (~0.5 GB).
    public static let maxInputs = 10_000

    /// The inputs of `--<flag> PATH...`: files as given, each directory replaced by its regular files (sorted by name;
    /// hidden files included, subdirectories not descended). Exit 2 for a missing path, an empty directory, or more
    /// than `maxInputs` inputs.
    public static func expand(_ paths: [String], flag: String) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw DevProofError.unreadable("cannot read --\(flag) '\(p)': no such file or directory") }
            if !isDir.boolValue { out.append(p); continue }
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: p) } catch {
                throw DevProofError.unreadable("cannot read --\(flag) directory '\(p)': \(error.localizedDescription)")
            }
            let files = names.sorted().map { (p as NSString).appendingPathComponent($0) }.filter { f in
                var d: ObjCBool = false
                return fm.fileExists(atPath: f, isDirectory: &d) && !d.boolValue
            }
            guard !files.isEmpty else { throw DevProofError.usage("--\(flag) directory '\(p)' holds no regular file") }
            out += files
            if out.count > maxInputs { break }
        }
        if out.count > maxInputs { throw DevProofError.usage("--\(flag): more than \(maxInputs) inputs in one batch; split it") }
        return out
    }

    /// Whether these `--evidence` / `--quote` values make a batch: several values, or a directory.
    public static func isBatch(_ paths: [String]) -> Bool {
        paths.count > 1 || paths.contains { p in
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
        }
    }

    /// Validates the shared options once (the flags a batch cannot use are usage errors), then judges each input.
    /// `o` carries everything but the input paths.
    public static func run(_ o: AttestOptions, kind: Kind, inputs: [String]) throws -> BatchReport {
        guard let first = inputs.first else { throw DevProofError.usage("attest: no input") }
        var unused = [String]()
        if kind == .evidence && o.quotePath != nil { unused.append("--quote (give a batch as --evidence or as --quote, not both)") }
        if o.eventLogPath != nil { unused.append("--event-log") }
        if o.appComposePath != nil { unused.append("--app-compose") }
        if o.vmConfigPath != nil { unused.append("--vm-config") }
        if !o.bindings.isEmpty { unused.append("--bind") }
        if o.saveCollateralPath != nil { unused.append("--save-collateral") }
        if let f = unused.first {
            throw DevProofError.usage("\(f) is not used with several inputs (a batch): it belongs to one input; run that input alone")
        }
        var template = o
        switch kind {
        case .quote: template.quotePath = first
        case .evidence: template.evidencePath = first
        }
        _ = try AttestMode.validate(template)
        var resolved = try AttestPolicy.resolve(template)
        let cache = AttestCollateralCache()
        resolved.collateralCache = cache
        // A bad --collateral is the whole batch's input error (exit 2 once), not N identical item errors.
        if let p = o.collateralPath, !o.noDCAP, !o.simulator { _ = try CollateralSource.readFile(p) }

        var batch = BatchReport(command: "attest")
        for input in inputs {
            var one = resolved
            switch kind {
            case .quote: one.quotePath = input
            case .evidence: one.evidencePath = input
            }
            do {
                let r = kind == .quote ? try AttestQuote.run(one) : try AttestEvidence.run(one)
                batch.items.append(.init(input: input, report: r))
            } catch let e as DevProofError {
                batch.items.append(.init(input: input, error: e))
            } catch {
                batch.items.append(.init(input: input, error: .malformed("\(input): \(error)")))
            }
        }
        batch.facts = [
            JSONMember("now", .string(TimeInput.format(o.now))),
            JSONMember("input_kind", .string(kind.rawValue)),
            JSONMember("collateral_loads", .int(cache.loads)),
            JSONMember("collateral_verifications", .int(cache.verifications)),
        ]
        return batch
    }
}
