import DevProofCore

/// `devproof attest`: produces the report. Quote-only inputs go to the DCAP quote verifier;
/// dstack evidence (event log, app-compose, RA-TLS, ...) goes through the dstack pipeline,
/// which runs the quote verifier on the embedded quote.
public enum Attest {
    public static func run(_ o: AttestOptions) throws -> Report {
        if o.quotePath != nil && o.evidencePath == nil && o.eventLogPath == nil && o.appComposePath == nil
            && o.vmConfigPath == nil && o.bindings.isEmpty {
            return try AttestQuote.run(o)
        }
        if o.quotePath == nil && o.evidencePath == nil {
            throw DevProofError.usage("attest needs --quote FILE or --evidence FILE")
        }
        return try AttestEvidence.run(o)
    }
}
