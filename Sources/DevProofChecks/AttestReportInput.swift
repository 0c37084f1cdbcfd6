import DevProofCore
import EVM

/// `--from-attest REPORT`: the one reader of a `devproof attest --json` report for keys, chain and appauth.
///
/// Only a report that establishes its facts is accepted: schema `devproof.report/v1`, command `attest` and verdict
/// `pass`. Anything else is an input error (exit 2), never a softer verdict: an app id or compose hash from a
/// failed or inconclusive attestation is not evidence, and the auditor who accepts it anyway passes the values by
/// flags (`--app-id`, `--compose-hash`, ...), where they are visibly theirs.
public struct AttestReportInput: Sendable, Equatable {
    public let path: String
    /// The report's facts object.
    public let facts: JSONValue
    public let appId: Address?
    public let composeHash: Bytes?

    public static func read(_ path: String) throws -> AttestReportInput {
        try parse(try InputFile.readJSON(path, what: "attest report").value, path)
    }

    public static func parse(_ v: JSONValue, _ path: String) throws -> AttestReportInput {
        guard v["schema"]?.stringValue == Report.schema, v["command"]?.stringValue == "attest" else {
            throw DevProofError.malformed("--from-attest \(path) is not a devproof attest JSON report (schema \(Report.schema), command attest)")
        }
        guard let facts = v["facts"], facts.objectValue != nil else {
            throw DevProofError.malformed("--from-attest \(path): the report has no facts object")
        }
        guard v["verdict"]?.stringValue == "pass" else {
            throw DevProofError.usage("--from-attest \(path): the attest verdict is \(v["verdict"]?.stringValue ?? "missing"), so its facts are not established; fix the attestation, or pass the values by flags if you accept them")
        }
        var appId: Address?
        if let a = facts["app_id"], !a.isNull {
            guard let s = a.stringValue, let b = try? Hex.decode(s), b.count == 20, let addr = try? Address(bytes: b) else {
                throw DevProofError.malformed("--from-attest \(path): facts.app_id is not a 20-byte hex address")
            }
            appId = addr
        }
        var compose: Bytes?
        if let h = facts["compose_hash"], !h.isNull {
            guard let s = h.stringValue, let b = try? Hex.decode(s), b.count == 32 else {
                throw DevProofError.malformed("--from-attest \(path): facts.compose_hash is not 32 bytes of hex")
            }
            compose = b
        }
        return AttestReportInput(path: path, facts: facts, appId: appId, composeHash: compose)
    }
}
