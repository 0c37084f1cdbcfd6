import CSecp256k1

/// secp256k1 over libsecp256k1 (0.2, recovery module): SEC1 public keys, recoverable signatures
/// (r‖s‖v as Ethereum and dstack's KMS emit them), recovery, verification, and RFC 6979 signing
/// (used to build test evidence; verification never needs a private key).
///
/// All inputs are untrusted: every length and value is checked and failures are typed
/// (`Secp256k1Error`), never traps.
public enum Secp256k1 {
    /// Group order n, big-endian.
    public static let order: Bytes = try! Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
    /// n / 2 (floor), big-endian: signatures with s above it are "high-s" (malleable twins).
    public static let halfOrder: Bytes = try! Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")

    /// True when the 32-byte big-endian `s` is greater than n/2.
    public static func isHighS(_ s: Bytes) -> Bool {
        guard s.count == 32 else { return false }
        return halfOrder.lexicographicallyPrecedes(s)
    }

    /// Recovers the public key that produced `signature` over the 32-byte `hash`.
    /// The signature's s may be high (as Ethereum's ecrecover precompile accepts); the result says so
    /// in `highS` so the caller can warn.
    public static func recover(hash: Bytes, signature: RecoverableSignature) throws -> PublicKey {
        guard hash.count == 32 else { throw Secp256k1Error.badHashLength(hash.count) }
        var sig = secp256k1_ecdsa_recoverable_signature()
        let compact = signature.r + signature.s
        let parsed = compact.withUnsafeBufferPointer { p in
            secp256k1_ecdsa_recoverable_signature_parse_compact(context.pointer, &sig, p.baseAddress!, Int32(signature.recoveryID))
        }
        guard parsed == 1 else { throw Secp256k1Error.invalidSignature("r or s is not below the group order") }
        var pub = secp256k1_pubkey()
        let ok = hash.withUnsafeBufferPointer { h in secp256k1_ecdsa_recover(context.pointer, &pub, &sig, h.baseAddress!) }
        guard ok == 1 else {
            throw Secp256k1Error.notRecoverable("no public key recovers from this signature (r or s is zero, or r is not the x-coordinate of a curve point)")
        }
        return try PublicKey(internal: pub)
    }

    /// Convenience: recover from 65 bytes r‖s‖v.
    public static func recover(hash: Bytes, signature65: Bytes) throws -> PublicKey {
        try recover(hash: hash, signature: RecoverableSignature(signature65))
    }

    /// ECDSA verification of a 64-byte compact r‖s signature. High-s signatures are rejected unless
    /// `allowHighS` (libsecp256k1 itself only accepts low-s; with `allowHighS` the twin is normalized first).
    public static func verify(hash: Bytes, compact: Bytes, publicKey: PublicKey, allowHighS: Bool = false) -> Bool {
        guard hash.count == 32, compact.count == 64 else { return false }
        var sig = secp256k1_ecdsa_signature()
        let parsed = compact.withUnsafeBufferPointer { secp256k1_ecdsa_signature_parse_compact(context.pointer, &sig, $0.baseAddress!) }
        guard parsed == 1 else { return false }
        if allowHighS {
            let input = sig
            withUnsafePointer(to: input) { _ = secp256k1_ecdsa_signature_normalize(context.pointer, &sig, $0) }
        }
        guard var pub = try? publicKey.internalKey() else { return false }
        return hash.withUnsafeBufferPointer { h in secp256k1_ecdsa_verify(context.pointer, &sig, h.baseAddress!, &pub) } == 1
    }

    /// Deterministic (RFC 6979) recoverable signature, low-s, recovery id 0/1.
    public static func sign(hash: Bytes, privateKey: Bytes) throws -> RecoverableSignature {
        guard hash.count == 32 else { throw Secp256k1Error.badHashLength(hash.count) }
        try checkPrivateKey(privateKey)
        var sig = secp256k1_ecdsa_recoverable_signature()
        let ok = hash.withUnsafeBufferPointer { h in
            privateKey.withUnsafeBufferPointer { k in
                secp256k1_ecdsa_sign_recoverable(context.pointer, &sig, h.baseAddress!, k.baseAddress!, nil, nil)
            }
        }
        guard ok == 1 else { throw Secp256k1Error.badPrivateKey }
        var out = Bytes(repeating: 0, count: 64)
        var recid: Int32 = 0
        _ = out.withUnsafeMutableBufferPointer { secp256k1_ecdsa_recoverable_signature_serialize_compact(context.pointer, $0.baseAddress!, &recid, &sig) }
        return try RecoverableSignature(out + [UInt8(recid)])
    }

    static func checkPrivateKey(_ k: Bytes) throws {
        guard k.count == 32,
              k.withUnsafeBufferPointer({ secp256k1_ec_seckey_verify(context.pointer, $0.baseAddress!) }) == 1
        else { throw Secp256k1Error.badPrivateKey }
    }

    /// One context for the process, created once and never mutated afterwards (libsecp256k1 contexts
    /// are safe to share across threads for every operation used here; `randomize` is never called).
    struct Context: @unchecked Sendable {
        let pointer: OpaquePointer
    }
    static let context: Context = {
        guard let p = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("libsecp256k1: cannot allocate a context")
        }
        return Context(pointer: p)
    }()
}

public enum Secp256k1Error: Error, CustomStringConvertible, Sendable, Equatable {
    case badSignatureLength(Int)
    /// v is not 0, 1, 27 or 28.
    case badRecoveryID(UInt8)
    case invalidSignature(String)
    case notRecoverable(String)
    case badPublicKey(String)
    case badPrivateKey
    case badHashLength(Int)

    public var description: String {
        switch self {
        case .badSignatureLength(let n): return "signature must be 65 bytes r‖s‖v, got \(n)"
        case .badRecoveryID(let v): return "signature recovery byte v=\(v) is not one of 0, 1, 27, 28"
        case .invalidSignature(let m): return "invalid signature: \(m)"
        case .notRecoverable(let m): return "signature does not recover a key: \(m)"
        case .badPublicKey(let m): return "invalid secp256k1 public key: \(m)"
        case .badPrivateKey: return "invalid secp256k1 private key (must be 32 bytes, nonzero, below the group order)"
        case .badHashLength(let n): return "message hash must be 32 bytes, got \(n)"
        }
    }
}

extension Secp256k1 {
    /// A recoverable ECDSA signature: r(32) ‖ s(32) ‖ v(1), v ∈ {0, 1, 27, 28} (normalized to 0/1).
    public struct RecoverableSignature: Sendable, Equatable, Hashable {
        public let r: Bytes
        public let s: Bytes
        /// 0 or 1 (y parity of R).
        public let recoveryID: UInt8
        /// The v byte as given (0, 1, 27 or 28).
        public let v: UInt8

        public init(_ bytes: Bytes) throws {
            guard bytes.count == 65 else { throw Secp256k1Error.badSignatureLength(bytes.count) }
            let v = bytes[64]
            switch v {
            case 0, 1: recoveryID = v
            case 27, 28: recoveryID = v - 27
            default: throw Secp256k1Error.badRecoveryID(v)
            }
            self.v = v
            r = Array(bytes[0..<32]); s = Array(bytes[32..<64])
        }

        /// s > n/2: a valid but non-canonical (malleable) signature. dstack's k256 signer emits low-s.
        public var isHighS: Bool { Secp256k1.isHighS(s) }
        /// r‖s‖recid with recid 0/1 (dstack's wire form).
        public var bytes: Bytes { r + s + [recoveryID] }
        /// r‖s‖(27+recid) (Ethereum's personal_sign form).
        public var ethereumBytes: Bytes { r + s + [recoveryID + 27] }
        public var compact: Bytes { r + s }
    }

    /// A secp256k1 public key (a valid curve point). Parses SEC1 compressed (33 B), uncompressed (65 B,
    /// prefix 04) and bare x‖y (64 B).
    public struct PublicKey: Sendable, Equatable, Hashable, CustomStringConvertible {
        /// 65 bytes, 04 ‖ x ‖ y.
        public let uncompressed: Bytes

        public init(sec1 bytes: Bytes) throws {
            let input: Bytes
            switch bytes.count {
            case 33:
                guard bytes[0] == 2 || bytes[0] == 3 else { throw Secp256k1Error.badPublicKey("compressed key must start with 02 or 03, got \(String(format2: bytes[0]))") }
                input = bytes
            case 65:
                guard bytes[0] == 4 else { throw Secp256k1Error.badPublicKey("uncompressed key must start with 04, got \(String(format2: bytes[0]))") }
                input = bytes
            case 64: input = [4] + bytes
            default: throw Secp256k1Error.badPublicKey("expected 33 (compressed), 65 (uncompressed) or 64 (x‖y) bytes, got \(bytes.count)")
            }
            var pub = secp256k1_pubkey()
            let ok = input.withUnsafeBufferPointer { secp256k1_ec_pubkey_parse(Secp256k1.context.pointer, &pub, $0.baseAddress!, input.count) }
            guard ok == 1 else { throw Secp256k1Error.badPublicKey("not a point on the curve") }
            try self.init(internal: pub)
        }

        /// The public key of a private key.
        public init(privateKey: Bytes) throws {
            try Secp256k1.checkPrivateKey(privateKey)
            var pub = secp256k1_pubkey()
            let ok = privateKey.withUnsafeBufferPointer { secp256k1_ec_pubkey_create(Secp256k1.context.pointer, &pub, $0.baseAddress!) }
            guard ok == 1 else { throw Secp256k1Error.badPrivateKey }
            try self.init(internal: pub)
        }

        init(internal pub: secp256k1_pubkey) throws {
            var p = pub
            var out = Bytes(repeating: 0, count: 65)
            var len = 65
            _ = out.withUnsafeMutableBufferPointer {
                secp256k1_ec_pubkey_serialize(Secp256k1.context.pointer, $0.baseAddress!, &len, &p, UInt32(SECP256K1_EC_UNCOMPRESSED))
            }
            guard len == 65, out[0] == 4 else { throw Secp256k1Error.badPublicKey("serialization failed") }
            uncompressed = out
        }

        func internalKey() throws -> secp256k1_pubkey {
            var pub = secp256k1_pubkey()
            let ok = uncompressed.withUnsafeBufferPointer { secp256k1_ec_pubkey_parse(Secp256k1.context.pointer, &pub, $0.baseAddress!, 65) }
            guard ok == 1 else { throw Secp256k1Error.badPublicKey("not a point on the curve") }
            return pub
        }

        /// 33 bytes, (02|03) ‖ x.
        public var compressed: Bytes {
            let y = uncompressed[64]
            return [y & 1 == 0 ? 2 : 3] + Array(uncompressed[1..<33])
        }
        /// 64 bytes x ‖ y (what Ethereum addresses hash).
        public var xy: Bytes { Array(uncompressed[1...]) }
        public var description: String { compressed.hex }
    }
}

extension String {
    init(format2 b: UInt8) { self = [b].hex }
}
