import ArgumentParser
import DevProofChecks
import DevProofCore

// Typed values parsed once, here at the CLI edge (types in DevProofCore/InputTypes.swift and DevProofChecks):
// a bad value is exit 2 before anything is read. Every command's flags can use them.
extension HexValue: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument, what: "value") }
    public static var defaultValueDescription: String { L.name }
}
extension TimeValue: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument, what: "time") }
}
extension DurationValue: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument, what: "duration") }
}
extension TCBStatusValue: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument, what: "--allow-tcb-status") }
}
