import COpenSSL

/// Errors from the X.509 / P-256 layer. Never a trap: every OpenSSL failure becomes one of these.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A P-256 (secp256r1) public key for ECDSA-SHA256 verification, over OpenSSL.
/// Keys are immutable; the EVP_PKEY is reused for every verification (cache the key object, not just bytes).
public final class P256PublicKey: @unchecked Sendable, Equatable {
    let key: OpaquePointer
    /// Uncompressed point without the 0x04 prefix: x ‖ y (64 bytes, big-endian).
    public let raw: Bytes

    /// DER SubjectPublicKeyInfo prefix for id-ecPublicKey / prime256v1 with an uncompressed point.
    static let spkiPrefix: Bytes = [0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                                    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04]

    /// From raw x ‖ y (64 bytes) or SEC1 uncompressed 0x04 ‖ x ‖ y (65 bytes). Rejects points not on the curve.
    public init(raw k: Bytes) throws {
        let xy: Bytes
        if k.count == 64 { xy = k } else if k.count == 65, k[0] == 0x04 { xy = Array(k[1...]) } else {
            throw CryptoError("P-256 public key must be 64 bytes x‖y (or 65 with 0x04), got \(k.count)")
        }
        guard let p = xy.withUnsafeBufferPointer({ devproof_p256_key_new(p256Group, $0.baseAddress) }) else {
            throw CryptoError("invalid P-256 public key (not on the curve)")
        }
        key = p
        raw = xy
    }

    /// From a DER SubjectPublicKeyInfo of a P-256 key (uncompressed point).
    public convenience init(spkiDER: Bytes) throws {
        guard spkiDER.count == 91, Array(spkiDER.prefix(27)) == P256PublicKey.spkiPrefix else {
            throw CryptoError("not a P-256 uncompressed public key (SubjectPublicKeyInfo)")
        }
        try self.init(raw: Array(spkiDER[27...]))
    }

    deinit { devproof_p256_key_free(key) }

    public static func == (a: P256PublicKey, b: P256PublicKey) -> Bool { a.raw == b.raw }

    /// SubjectPublicKeyInfo DER.
    public var spkiDER: Bytes { P256PublicKey.spkiPrefix + raw }

    /// ECDSA-SHA256 over `message` with a raw r ‖ s signature (64 bytes).
    public func isValidSignature(raw sig: Bytes, message: some Collection<UInt8>) -> Bool {
        isValidSignature(raw: sig, digest: Digest.sha256(message))
    }

    /// ECDSA over a precomputed SHA-256 digest with a raw r ‖ s signature.
    public func isValidSignature(raw sig: Bytes, digest: Bytes) -> Bool {
        guard sig.count == 64, digest.count == 32 else { return false }
        return digest.withUnsafeBufferPointer { d in
            sig.withUnsafeBufferPointer { s in devproof_p256_verify_raw(key, d.baseAddress, s.baseAddress) == 1 }
        }
    }

    /// ECDSA-SHA256 over `message` with a DER Ecdsa-Sig-Value.
    public func isValidSignature(der sig: Bytes, message: some Collection<UInt8>) -> Bool {
        guard !sig.isEmpty, sig.count < 1024 else { return false }
        let digest = Digest.sha256(message)
        return digest.withUnsafeBufferPointer { d in
            sig.withUnsafeBufferPointer { s in devproof_p256_verify_der(key, d.baseAddress, s.baseAddress, Int32(s.count)) == 1 }
        }
    }
}

/// Built once per process (Swift globals initialise lazily and thread-safely); never freed.
nonisolated(unsafe) let p256Group: OpaquePointer? = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)

public enum P256 {
    /// DER Ecdsa-Sig-Value from raw r ‖ s (64 bytes). nil when not 64 bytes.
    public static func derSignature(raw: Bytes) -> Bytes? {
        guard raw.count == 64 else { return nil }
        func int(_ s: ArraySlice<UInt8>) -> Bytes {
            var v = Array(s.drop { $0 == 0 })
            if v.isEmpty { v = [0] }
            if v[0] & 0x80 != 0 { v.insert(0, at: 0) }
            return [0x02, UInt8(v.count)] + v
        }
        let body = int(raw[0..<32]) + int(raw[32..<64])
        return [0x30, UInt8(body.count)] + body
    }

    /// Raw r ‖ s (64 bytes) from a DER Ecdsa-Sig-Value, nil when malformed or out of range.
    public static func rawSignature(der: Bytes) -> Bytes? {
        var r = ByteReader(der, context: "ECDSA signature")
        guard (try? r.u8("tag")) == 0x30, let len = try? r.u8("len"), Int(len) == r.remaining, len < 0x80 else { return nil }
        func int() -> Bytes? {
            guard (try? r.u8("tag")) == 0x02, let n = try? r.u8("len"), n < 0x80, let v = try? r.read(Int(n), "int") else { return nil }
            let s = Array(v.drop { $0 == 0 })
            guard s.count <= 32 else { return nil }
            return Bytes(repeating: 0, count: 32 - s.count) + s
        }
        guard let a = int(), let b = int(), r.isAtEnd else { return nil }
        return a + b
    }
}
