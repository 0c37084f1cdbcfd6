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

    /// The category tests assert and the CLI maps to an exit code (usage / malformed input → 2, unavailable → 3).
    public var category: DevProofErrorCategory {
        switch self {
        case .usage: return .usage
        case .unreadable, .malformed: return .malformedInput
        case .unavailable: return .unavailable
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .usage, .unreadable, .malformed: return 2
        case .unavailable: return 3
        }
    }
}

public enum DevProofErrorCategory: String, Sendable, Equatable {
    /// A flag the mode does not use, a bad flag value, contradictory flags.
    case usage
    /// An input file that cannot be read, is over its size limit, or does not parse (strictly).
    case malformedInput = "malformed input"
    /// Evidence that could not be obtained (network, PCCS, RPC): inconclusive.
    case unavailable
}
