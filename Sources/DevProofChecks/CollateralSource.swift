import DevProofCore
import TDX

/// Where DCAP collateral comes from. Offline: `--collateral FILE` (dcap-qvl QuoteCollateralV3 JSON).
/// Returns nil when no collateral is available: DCAP checks are then `skip` (required), never pass.
public enum CollateralSource {
    public static func resolve(quote: Quote, options: AttestOptions) throws -> QuoteCollateral? {
        if let p = options.collateralPath {
            let bytes = try InputFile.read(p, what: "collateral")
            do { return try QuoteCollateral.parse(json: bytes) } catch let e as DevProofError {
                if case .malformed(let m) = e { throw DevProofError.malformed("collateral '\(p)': \(m)") }
                throw e
            }
        }
        return nil
    }
}
