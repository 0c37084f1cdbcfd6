/// PEM armour (RFC 7468): `-----BEGIN LABEL-----` base64 `-----END LABEL-----` blocks → DER.
/// Text outside blocks is ignored (Intel's PCK chains end with `\n\0`).
public enum PEM {
    public struct Block: Sendable, Equatable {
        public let label: String
        public let der: Bytes
    }

    /// All blocks in order. Throws `DevProofError.malformed` on an unterminated block or bad base64.
    public static func blocks(_ bytes: Bytes) throws -> [Block] {
        let text = String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self)
        return try blocks(text)
    }

    public static func blocks(_ text: String) throws -> [Block] {
        var out = [Block]()
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingASCIIWhitespace()
            if let l = label {
                if line.hasPrefix("-----END ") {
                    let endLabel = String(line.dropFirst(9).prefix { $0 != "-" })
                    guard endLabel == l else { throw DevProofError.malformed("PEM: BEGIN \(l) closed by END \(endLabel)") }
                    // RFC 7468: the standard alphabet only (Base64.decode also accepts URL-safe bodies for JSON fields).
                    guard !body.contains("-") && !body.contains("_") else { throw DevProofError.malformed("PEM: \(l) block is not standard base64") }
                    let der = try Base64.decode(body)
                    guard !der.isEmpty else { throw DevProofError.malformed("PEM: empty \(l) block") }
                    out.append(Block(label: l, der: der))
                    label = nil; body = ""
                } else {
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN ") {
                label = String(line.dropFirst(11).prefix { $0 != "-" })
            }
        }
        if let l = label { throw DevProofError.malformed("PEM: unterminated \(l) block") }
        return out
    }

    /// DER of every CERTIFICATE block.
    public static func certificates(_ bytes: Bytes) throws -> [Bytes] {
        try blocks(bytes).filter { $0.label == "CERTIFICATE" }.map(\.der)
    }

    public static func encode(label: String, der: Bytes) -> String {
        let b64 = Base64.encode(der)
        var lines = [String]()
        var i = b64.startIndex
        while i < b64.endIndex {
            let j = b64.index(i, offsetBy: 64, limitedBy: b64.endIndex) ?? b64.endIndex
            lines.append(String(b64[i..<j])); i = j
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    /// True when the bytes look like PEM text rather than DER.
    public static func looksLikePEM(_ bytes: Bytes) -> Bool {
        String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN ")
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        let isWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let s = firstIndex(where: { !isWS($0) }), let e = lastIndex(where: { !isWS($0) }) else { return "" }
        return String(self[s...e])
    }
}
