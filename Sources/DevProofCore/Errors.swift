/// Errors that reach the CLI. Each maps to an exit code of the conventions in DEVELOPERS.md:
/// usage / unreadable / malformed → 2; unavailable (network, RPC, PCCS) → 3.
public enum DevProofError: Error, CustomStringConvertible, Sendable, Equatable {
    case usage(String)
    case unreadable(String)
    case malformed(String)
    /// Evidence that could not be obtained (network down, RPC unreachable): inconclusive.
    case unavailable(String)

    public var description: String {
        switch self {
        case .usage(let m), .unreadable(let m), .malformed(let m), .unavailable(let m): return m
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .usage, .unreadable, .malformed: return 2
        case .unavailable: return 3
        }
    }
}
