/// Build provenance for `devproof --version`.
///
/// The git commit is not known to SwiftPM (no build scripts without plugins), so the Makefile writes
/// `BuildCommit.generated.swift` (gitignored, never committed, so the tree never looks dirty) next to this
/// file whenever the commit changes (`make build`, `make release`, `make install`). A plain `swift build`
/// without that file compiles too and reports the commit as "unknown" (docs/decisions.md).
import DevProofCore

protocol GeneratedBuildCommit {
    static var gitCommit: String { get }
}

enum BuildInfo {
    /// The commit the binary was built from (`git rev-parse --short=12 HEAD`, "-dirty" with local changes),
    /// or "unknown" when built without the Makefile.
    static var commit: String {
        (BuildInfo.self as Any as? GeneratedBuildCommit.Type)?.gitCommit ?? "unknown"
    }

    static var versionLine: String { "\(DevProofVersion.current) (commit \(commit))" }
}
