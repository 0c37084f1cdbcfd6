import COpenSSL

/// SHA-2 digests through OpenSSL's EVP interface.
public enum Digest {
    public static func sha256(_ data: some Collection<UInt8>) -> Bytes { evp(EVP_sha256(), data, 32) }
    public static func sha384(_ data: some Collection<UInt8>) -> Bytes { evp(EVP_sha384(), data, 48) }
    public static func sha512(_ data: some Collection<UInt8>) -> Bytes { evp(EVP_sha512(), data, 64) }

    private static func evp(_ md: OpaquePointer?, _ data: some Collection<UInt8>, _ size: Int) -> Bytes {
        var out = Bytes(repeating: 0, count: size)
        var len: UInt32 = 0
        let ok: Int32 = data.withContiguousStorageIfAvailable { buf in
            EVP_Digest(buf.baseAddress, buf.count, &out, &len, md, nil)
        } ?? Array(data).withUnsafeBufferPointer { buf in
            EVP_Digest(buf.baseAddress, buf.count, &out, &len, md, nil)
        }
        precondition(ok == 1 && Int(len) == size, "OpenSSL digest failed")
        return out
    }
}

/// Incremental SHA-2 for streaming large inputs (images, archives).
public final class StreamingDigest {
    public enum Algorithm: Sendable { case sha256, sha384, sha512 }
    private let ctx: OpaquePointer

    public init(_ algorithm: Algorithm) {
        ctx = EVP_MD_CTX_new()
        let md: OpaquePointer?
        switch algorithm {
        case .sha256: md = EVP_sha256()
        case .sha384: md = EVP_sha384()
        case .sha512: md = EVP_sha512()
        }
        EVP_DigestInit_ex(ctx, md, nil)
    }
    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ data: some Collection<UInt8>) {
        _ = data.withContiguousStorageIfAvailable { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
            ?? Array(data).withUnsafeBufferPointer { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
    }

    public func finalize() -> Bytes {
        var out = Bytes(repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return Array(out.prefix(Int(len)))
    }
}
