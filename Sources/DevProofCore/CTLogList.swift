/// A small CT log list for `tls.sct`: the logs that signed the SCTs in the project's real test chain plus a few
/// major logs of 2025-2026.
///
/// Source: Chrome's CT log list v3 (`log_list.json`, the list Chrome enforces, version of late 2025), copied
/// field by field (description, log_id, key, temporal_interval). Public facts, no code. A test checks that
/// every `logID` = sha256(key). A log missing here is reported as unknown (`warn`), never as valid.
/// To update: add entries from the current list; keep it small.
public struct CTLog: Sendable {
    public let name: String
    /// base64 sha256 of the key.
    public let logID: String
    /// base64 SubjectPublicKeyInfo DER.
    public let key: String
    /// Certificates expiring in [start, end) (RFC 3339 dates).
    public let interval: (start: String, end: String)

    public static let all: [CTLog] = [
        CTLog(name: "Google 'Xenon2025h2'", logID: "3dzKNJXX4RYF55Uy+sef+D0cUN/bADoUEnYKLKy7yCo=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEa+Cv7QZ8Pe/ZDuRYSwTYKkeZkIl6uTaldcgEuMviqiu1aJ2IKaKlz84rmhWboD6dlByyt0ryUexA7WJHpANJhg==",
              interval: ("2025-07-01", "2026-01-01")),
        CTLog(name: "Google 'Xenon2026h1'", logID: "lpdkv1VYl633Q4doNwhCd+nwOtX2pPM2bkakPw/KqcY=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOh/Iu87VkEc0ysoBBCchHOIpPZK7kUXHWj6l1PIS5ujmQ7rze8I4r/wjigVW6wMKMMxjbNk8vvV7lLqU07+ITA==",
              interval: ("2026-01-01", "2026-07-01")),
        CTLog(name: "Google 'Xenon2026h2'", logID: "2AlVO5RPev/IFhlvlE+Fq7D4/F6HVSYPFdEucrtFSxQ=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5Xd4lXEos5XJpcx6TOgyA5Z7/C4duaTbQ6C9aXL5Rbqaw+mW1XDnDX7JlRUninIwZYZDU9wRRBhJmCVopzwFvw==",
              interval: ("2026-07-01", "2027-01-01")),
        CTLog(name: "Cloudflare 'Nimbus2025'", logID: "zPsPaoVxCWX+lZtTzumyfCLphVwNl422qX5UwP5MDbA=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGoAaFRkZI3m0+qB5jo3VwdzCtZaSfpTgw34UfAoNLUaonRuxQWUMX5jEWhd5gVtKFEHsr6ldDqsSGXHNQ++7lw==",
              interval: ("2025-01-01", "2026-01-01")),
        CTLog(name: "Cloudflare 'Nimbus2026'", logID: "yzj3FYl8hKFEX1vB3fvJbvKaWc1HCmkFhbDLFMMUWOc=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2FxhT6xq0iCATopC9gStS9SxHHmOKTLeaVNZ661488Aq8tARXQV+6+jB0983v5FkRm4OJxPqu29GJ1iG70Ahow==",
              interval: ("2026-01-01", "2027-01-01")),
        CTLog(name: "DigiCert 'Wyvern2025h2'", logID: "7TxL1ugGwqSiAFfbyyTiOAHfUS/txIbFcA8g3bc+P+A=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4NtB7+QEvctrLkzM8WzeQVh//pT2evZg7Yt2cqOiHDETMjWh8gjSaMU0p1YIHGPeleKBaZeNHqi3ZlEldU14Lg==",
              interval: ("2025-07-01", "2026-01-07")),
        CTLog(name: "DigiCert 'Wyvern2026h1'", logID: "ZBHEbKQS7KeJHKICLgC8q08oB9QeNSer6v7VA8l9zfA=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7Lw0OeKajbeZepHxBXJS2pOJXToHi5ntgKUW2nMhIOuGlofFxtkXum65TBNY1dGD+HrfHge8Fc3ASs0qMXEHVQ==",
              interval: ("2026-01-01", "2026-07-01")),
        CTLog(name: "DigiCert 'Sphinx2025h2'", logID: "pELFBklgYVSPD9TqnPt6LSZFTYepfy/fRVn2J086hFQ=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQYxQE1SxGQW3f0ogbqN1Y8o09Mx06jI7tosDFKhSfzKHXlmeD6sYnilstXJ3GidUhV3BeySoNOPNiM7UUBu+aQ==",
              interval: ("2025-07-01", "2026-01-07")),
        CTLog(name: "Sectigo 'Sabre2025h2'", logID: "GgT/SdBUHUCv9qDDv/HYxGcvTuzuI0BomGsXQC7ciX0=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhRMRLXvzk4HkuXzZZDvntYOZZnlZR2pCXta9Yy63kUuuvFbExW4JoNdkGsjBr4mL9VjYuut7g1Lp9OClzc2SzA==",
              interval: ("2025-07-01", "2026-01-01")),
        CTLog(name: "Sectigo 'Mammoth2025h2'", logID: "rxgaKNaMo+CpikycZ6sJ+Lu8IrquvLE4o6Gd0/m2Aw0=",
              key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEiOLHs9c3o5HXs8XaB1EEK4HtwkQ7daDmZeFKuhuxnKkqhDEprh2L8TOfEi6QsRVnZqB8C1tif2yaajCbaAIWbw==",
              interval: ("2025-07-01", "2026-01-01")),
    ]

    public static func find(logID: Bytes) -> CTLog? {
        let b64 = Base64.encode(logID)
        return all.first { $0.logID == b64 }
    }

    public var keyDER: Bytes { (try? Base64.decode(key)) ?? [] }
}
