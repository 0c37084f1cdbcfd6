import DevProofCore
import Foundation
import TDX

/// Where DCAP collateral comes from:
/// 1. `--collateral FILE` (dcap-qvl QuoteCollateralV3 JSON) or `--collateral DIR` (raw Intel PCS responses,
///    `PCSCollateralFiles`): offline replay;
/// 2. else, unless `--offline`: fetched for the quote from `--pccs` (default Phala's public PCCS;
///    `intel` = Intel PCS; any other value is a base URL; `DEVPROOF_PCCS` in the environment sets the default);
/// 3. else nil: DCAP checks are then `skip` (required), never pass.
/// `--save-collateral FILE` writes whatever was used, in QuoteCollateralV3 JSON, so `--collateral FILE` replays
/// the audit offline. An unreachable PCCS throws `DevProofError.unavailable` (the DCAP checks become required
/// skips with that reason: inconclusive, exit 3).
public enum CollateralSource {
    public static func resolve(quote: Quote, options: AttestOptions, trustedRoot: X509Certificate?) throws -> QuoteCollateral? {
        try resolve(quote: quote, options: options, http: HTTPClient(), trustedRoot: trustedRoot)
    }

    /// `trustedRoot`: the root the collateral will be verified against; the only CRL distribution point fetched.
    public static func resolve(quote: Quote, options: AttestOptions, http: HTTPClient, trustedRoot: X509Certificate?) throws -> QuoteCollateral? {
        let collateral: QuoteCollateral
        if let p = options.collateralPath {
            collateral = try readFile(p)
        } else if options.offline {
            return nil
        } else {
            // Parse the flag before any I/O: a bad --pccs is a usage error, not "unreachable".
            let endpoint = try PCCSEndpoint(pccsSpec(options))
            let target: CollateralFetcher.Target
            do { target = try CollateralFetcher.target(for: quote) } catch let e as DevProofError {
                throw DevProofError.unavailable("cannot tell which collateral the quote needs: \(e.description)")
            }
            let fetcher = CollateralFetcher(endpoint: endpoint, http: http, trustedRoot: trustedRoot)
            do { collateral = try fetcher.fetch(target) } catch let e as DevProofError {
                if case .unavailable(let m) = e {
                    throw DevProofError.unavailable("collateral from \(endpoint.name) unavailable: \(m)")
                }
                throw e
            }
        }
        if let out = options.saveCollateralPath {
            try InputFile.write(out, collateral.jsonBytes())
        }
        return collateral
    }

    /// `--collateral PATH`: a directory of raw Intel PCS responses (`PCSCollateralFiles`), else a QuoteCollateralV3
    /// JSON file. Anything else is exit 2 with one line naming both accepted shapes.
    public static func readFile(_ p: String) throws -> QuoteCollateral {
        if PCSCollateralFiles.isDirectory(p) { return try PCSCollateralFiles.load(directory: p) }
        let bytes = try InputFile.read(p, what: "collateral", limit: InputFile.Limit.config)
        do { return try QuoteCollateral.parse(json: bytes) } catch let e as DevProofError {
            guard case .malformed(let m) = e else { throw e }
            var hint = ""
            if let v = try? JSONParser.parse(bytes), let o = v.objectValue {
                if o.contains(where: { $0.key == "tcbInfo" || $0.key == "enclaveIdentity" }) {
                    hint = " (this file is one raw PCS response: put it in a directory with the others)"
                }
            }
            throw DevProofError.malformed("collateral '\(p)': \(m)\(hint); expected dcap-qvl QuoteCollateralV3 JSON (tcb_info, qe_identity, pck_crl, root_ca_crl, their signatures and issuer chains) or \(PCSCollateralFiles.expectedShape)")
        }
    }

    /// Where the collateral comes from, for the report's facts.
    public static func origin(_ options: AttestOptions) -> String {
        if let p = options.collateralPath { return PCSCollateralFiles.isDirectory(p) ? "PCS responses in \(p)" : "file \(p)" }
        if options.offline { return "none (--offline)" }
        return (try? PCCSEndpoint(pccsSpec(options)).name) ?? (pccsSpec(options) ?? "")
    }

    /// `--pccs`, else the `DEVPROOF_PCCS` environment variable, else nil (Phala's PCCS).
    public static func pccsSpec(_ options: AttestOptions) -> String? {
        if let p = options.pccsURL { return p }
        if let e = ProcessInfo.processInfo.environment["DEVPROOF_PCCS"], !e.isEmpty { return e }
        return nil
    }

    /// Why there is no collateral when `resolve` returned nil.
    public static func missingReason(_ options: AttestOptions) -> String {
        options.offline
            ? "no DCAP collateral: --offline and no --collateral FILE, so TCB status and the Intel chain are unknown"
            : "no DCAP collateral (give --collateral FILE or a PCCS): TCB status and the Intel chain are unknown"
    }
}
