import DevProofCore

/// Chain-side input values parsed once at the CLI edge. `BlockSelector` lives in PinnedChain.swift; the dstack
/// ones (app id, KMS root) in DstackChain.
extension Address {
    /// A contract address given by a flag; a bad value is a usage error naming the flag.
    public init(flag: String, _ text: String) throws {
        do { try self.init(text) } catch { throw DevProofError.usage("\(flag): \(error)") }
    }
}
