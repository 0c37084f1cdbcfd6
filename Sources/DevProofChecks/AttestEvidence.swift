import DevProofCore

/// dstack evidence pipeline (`devproof attest --evidence` and friends).
public enum AttestEvidence {
    public static func run(_ o: AttestOptions) throws -> Report {
        throw DevProofError.usage("attest --evidence is not implemented yet")
    }
}
