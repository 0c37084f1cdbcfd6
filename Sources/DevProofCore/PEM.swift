/// PEM armour (RFC 7468): `-----BEGIN LABEL-----` base64 `-----END LABEL-----` blocks → DER.
/// Text outside blocks is ignored (Intel's PCK chains end with `\n\0`).
public enum PEM {
    public struct Block: Sendable, Equatable {
        public let label: String
        public let der: Bytes
    }

    /// All blocks in order. Throws `DevProofError.malformed` on an unterminated block or bad base64.
    /// Works on bytes, line by line (no String building: PEM chains are parsed on every DCAP verification).
    /// NUL bytes are ignored (Intel's PCK chains end with `\n\0`).
    public static func blocks(_ bytes: Bytes) throws -> [Block] {
        var out = [Block]()
        var label: Bytes?
        var body = Bytes()
        let begin = Array("-----BEGIN ".utf8), end = Array("-----END ".utf8)
        func hasPrefix(_ line: ArraySlice<UInt8>, _ p: Bytes) -> Bool {
            line.count >= p.count && line.prefix(p.count).elementsEqual(p)
        }
        func labelAfter(_ line: ArraySlice<UInt8>, _ n: Int) -> Bytes { Array(line.dropFirst(n).prefix { $0 != 0x2d }) }
        var i = bytes.startIndex
        while i < bytes.endIndex {
            var j = i
            while j < bytes.endIndex, bytes[j] != 0x0a, bytes[j] != 0x0d { j += 1 }
            var line = bytes[i..<j]
            i = j + 1
            // Trim ASCII whitespace and NULs at both ends.
            func ws(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0 }
            while let f = line.first, ws(f) { line = line.dropFirst() }
            while let l = line.last, ws(l) { line = line.dropLast() }
            if line.isEmpty { continue }
            if let l = label {
                if hasPrefix(line, end) {
                    let endLabel = labelAfter(line, end.count)
                    let name = String(decoding: l, as: UTF8.self)
                    guard endLabel == l else {
                        throw DevProofError.malformed("PEM: BEGIN \(name) closed by END \(String(decoding: endLabel, as: UTF8.self))")
                    }
                    // RFC 7468: the standard alphabet only (Base64.decode also accepts URL-safe bodies for JSON fields).
                    guard !body.contains(0x2d) && !body.contains(0x5f) else { throw DevProofError.malformed("PEM: \(name) block is not standard base64") }
                    let der = try Base64.decode(utf8: body)
                    guard !der.isEmpty else { throw DevProofError.malformed("PEM: empty \(name) block") }
                    out.append(Block(label: name, der: der))
                    label = nil; body.removeAll(keepingCapacity: true)
                } else {
                    body.append(contentsOf: line.lazy.filter { $0 != 0 })
                }
            } else if hasPrefix(line, begin) {
                label = labelAfter(line, begin.count)
            }
        }
        if let l = label { throw DevProofError.malformed("PEM: unterminated \(String(decoding: l, as: UTF8.self)) block") }
        return out
    }

    public static func blocks(_ text: String) throws -> [Block] { try blocks(Array(text.utf8)) }

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
