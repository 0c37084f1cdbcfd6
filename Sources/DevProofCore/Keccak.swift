/// Keccak-256 as used by Ethereum (original Keccak padding 0x01, not SHA3's 0x06).
/// OpenSSL 3.0 has no Keccak-256, so this is ours; tested against known vectors.
public enum Keccak {
    private static let roundConstants: [UInt64] = [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
        0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
        0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ]
    private static let rotations: [UInt64] = [
        0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
    ]

    /// π∘ρ as index tables: lane i moves to piDest[i], rotated by rotations[i] (precomputed: the
    /// permutation runs 24 rounds per 136-byte block; proof verification hashes many blocks).
    private static let piDest: [Int] = (0..<25).map { i in let x = i % 5, y = i / 5; return y + 5 * ((2 * x + 3 * y) % 5) }

    public static func keccak256(_ data: some Collection<UInt8>) -> Bytes {
        let rate = 136
        var msg = Array(data)
        msg.append(0x01)
        while msg.count % rate != 0 { msg.append(0) }
        msg[msg.count - 1] |= 0x80
        var out = Bytes(repeating: 0, count: 32)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 55) { buf in
            buf.initialize(repeating: 0)
            let st = buf.baseAddress!
            msg.withUnsafeBufferPointer { m in
                var block = 0
                while block < m.count {
                    for i in 0..<(rate / 8) {
                        var lane: UInt64 = 0
                        for b in 0..<8 { lane |= UInt64(m[block + i * 8 + b]) << (8 * UInt64(b)) }
                        st[i] ^= lane
                    }
                    permute(st)
                    block += rate
                }
            }
            for i in 0..<4 { for b in 0..<8 { out[i * 8 + b] = UInt8((st[i] >> (8 * UInt64(b))) & 0xff) } }
        }
        return out
    }

    /// Keccak-f[1600] on a[0..<25], with scratch b = a+25 (25 lanes) and c = a+50 (5 lanes).
    private static func permute(_ a: UnsafeMutablePointer<UInt64>) {
        let b = a + 25, c = a + 50
        roundConstants.withUnsafeBufferPointer { rc in
        rotations.withUnsafeBufferPointer { rot in
        piDest.withUnsafeBufferPointer { pi in
            for round in 0..<24 {
                for x in 0..<5 { c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] }
                for x in 0..<5 {
                    let d = c[x == 0 ? 4 : x - 1] ^ rotl(c[x == 4 ? 0 : x + 1], 1)
                    a[x] ^= d; a[x + 5] ^= d; a[x + 10] ^= d; a[x + 15] ^= d; a[x + 20] ^= d
                }
                for i in 0..<25 { b[pi[i]] = rotl(a[i], rot[i]) }
                for y in stride(from: 0, to: 25, by: 5) {
                    let b0 = b[y], b1 = b[y + 1], b2 = b[y + 2], b3 = b[y + 3], b4 = b[y + 4]
                    a[y] = b0 ^ (~b1 & b2); a[y + 1] = b1 ^ (~b2 & b3); a[y + 2] = b2 ^ (~b3 & b4)
                    a[y + 3] = b3 ^ (~b4 & b0); a[y + 4] = b4 ^ (~b0 & b1)
                }
                a[0] ^= rc[round]
            }
        }
        }
        }
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 {
        n == 0 ? x : (x << n) | (x >> (64 - n))
    }
}
