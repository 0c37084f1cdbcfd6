import DevProofCore
import Dstack

/// `tls.dns.txt`: the dstack gateway routes a custom domain to the app its `_dstack-app-address.<domain>` TXT record
/// names ("<app_id>:<port>"). A record naming another app sends the domain's traffic there, whatever this app's
/// attestation says. Compared with the app id measured in the quote's event log, and only once that id is verified
/// (an unverified id proves nothing).
enum TLSDNS {
    static func txtCheck(_ r: Report, _ input: (records: [AppAddressRecord], source: String)?) -> Check {
        let id = "tls.dns.txt"
        guard let input else {
            return .skip(id, "no --dns-txt: the domain's _dstack-app-address TXT record was not compared (devproof makes no DNS query)")
        }
        let d: JSONValue = .obj([("source", .string(input.source)),
                                 ("records", .array(input.records.map { .obj([("app_id", .hex($0.appId)), ("port", .int($0.port))]) }))])
        guard !input.records.isEmpty else { return .fail(id, "\(input.source) holds no _dstack-app-address record: the gateway routes the domain nowhere", d) }
        // The id is the measured one only when the quote is genuine, the event log replays to its RTMR3, and no
        // identity event came after system-ready (app.identity is info then, warn otherwise).
        func status(_ c: String) -> CheckStatus? { r.checks.first { $0.id == c }?.status }
        guard status("quote.signature") == .pass, status("eventlog.replay") == .pass,
              status("app.identity") == .info || status("app.identity") == .pass,
              let appHex = r.fact("app_id")?.stringValue, let app = try? Hex.decode(appHex), app.count == 20 else {
            return .skip(id, "the attested app id is not verified (quote.signature and eventlog.replay must pass, app.identity must not warn): nothing to compare the TXT record with", d)
        }
        let other = input.records.filter { !bytesEqual($0.appId, app) }
        if let o = other.first {
            return .fail(id, "_dstack-app-address routes the domain to app \(o.appId.hex0x):\(o.port), not the attested app \(app.hex0x)", d)
        }
        let ports = Set(input.records.map(\.port)).sorted().map(String.init).joined(separator: ", ")
        return .pass(id, "_dstack-app-address routes the domain to the attested app \(app.hex0x) (port \(ports))", d)
    }
}
