import DevProofCore

/// DCAP verification of a bare quote (`devproof attest --quote`).
public enum AttestQuote {
    public static func run(_ o: AttestOptions) throws -> Report {
        throw DevProofError.usage("attest --quote is not implemented yet")
    }
}
