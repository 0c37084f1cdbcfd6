import DevProofCore
import Foundation
import TDX

/// What a batch (`attest` over many inputs in one process) shares between its inputs, so that collateral is read,
/// fetched, parsed and its signatures / CRLs verified ONCE per FMSPC and collateral source, not once per input.
///
/// Keys, and why each part is there:
/// - collateral: the `--collateral` path (read and parsed once), or the fetch target `tee|fmspc|ca` (fetched once;
///   a failed fetch is remembered too, so an unreachable PCCS costs one timeout per target, not one per input);
/// - verified collateral: SHA-256 of the collateral's exact content (its QuoteCollateralV3 serialisation, every
///   signed text verbatim) + the quote's FMSPC + the trusted root's SPKI + `--now`. A quote of another FMSPC never
///   reuses an entry (its collateral would be another one when fetched), and neither does another time or root.
/// The verified entries are `VerifiedCollateral`, the same object one run uses, so each input's report is exactly
/// what a single run prints for it. Thread-safe.
public final class AttestCollateralCache: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [String: Result<(QuoteCollateral, digest: String), Error>] = [:]
    private var verified: [String: VerifiedCollateral] = [:]
    private var targets: [Bytes: String] = [:]
    private var roots: [String: X509Certificate] = [:]
    /// How many times collateral was parsed and its signatures verified (a fact of the batch summary; tests read it).
    public private(set) var verifications = 0
    /// How many times collateral was read from its file or fetched.
    public private(set) var loads = 0

    public init() {}

    /// The trusted root (`--root-ca` file read once; else the pinned Intel root).
    public func root(_ path: String?) throws -> X509Certificate {
        let key = path ?? ""
        lock.lock(); if let r = roots[key] { lock.unlock(); return r }; lock.unlock()
        let r = try IntelRootCA.load(overridePath: path)
        lock.lock(); roots[key] = r; lock.unlock()
        return r
    }

    /// The quote's fetch target as a key (`tee|FMSPC|ca`), memoised by its certification data; "unknown" when the
    /// quote carries no PCK chain (then only a `--collateral` file can apply, and its FMSPC check decides).
    public func targetKey(_ quote: Quote) -> String {
        let d = Digest.sha256(quote.signatureData.certData)
        lock.lock(); if let k = targets[d] { lock.unlock(); return k }; lock.unlock()
        let k = (try? CollateralFetcher.target(for: quote)).map { "\($0.tee.rawValue)|\($0.fmspc.hex.uppercased())|\($0.ca.rawValue)" } ?? "unknown"
        lock.lock(); if targets.count > 4096 { targets.removeAll() }; targets[d] = k; lock.unlock()
        return k
    }

    /// `CollateralSource.resolve` once per source: nil when there is none (`--offline` without `--collateral`).
    public func collateral(quote: Quote, options o: AttestOptions, root: X509Certificate) throws -> (QuoteCollateral, digest: String)? {
        if o.collateralPath == nil && o.offline { return nil }
        let key = o.collateralPath.map { "file:" + $0 } ?? "fetch:" + targetKey(quote)
        lock.lock(); let hit = sources[key]; lock.unlock()
        if let hit { return try hit.get() }
        let r: Result<(QuoteCollateral, digest: String), Error> = Result {
            guard let c = try CollateralSource.resolve(quote: quote, options: o, trustedRoot: root) else {
                throw DevProofError.unavailable(CollateralSource.missingReason(o))
            }
            return (c, Digest.sha256(c.jsonBytes(pretty: false)).hex)
        }
        lock.lock(); sources[key] = r; loads += 1; lock.unlock()
        return try r.get()
    }

    /// The verified collateral for this quote, built (parsed, signatures checked) once per key.
    public func verified(_ c: QuoteCollateral, digest: String, quote: Quote, root: X509Certificate, now: Int64) -> VerifiedCollateral {
        let fmspc = targetKey(quote).split(separator: "|").dropFirst().first.map(String.init) ?? "unknown"
        let key = "\(digest)|\(fmspc)|\(Digest.sha256(root.spkiDER).hex)|\(now)"
        lock.lock(); if let v = verified[key] { lock.unlock(); return v }; lock.unlock()
        let v = VerifiedCollateral(collateral: c, root: root)
        lock.lock(); verified[key] = v; verifications += 1; lock.unlock()
        return v
    }
}
