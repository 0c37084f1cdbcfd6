import DevProofCore
import EVM

extension Address {
    /// A dstack app id: 20 bytes of hex, or a bytes32 with the id left-aligned and the low 12 bytes zero (as
    /// TeeOracle stores it). The one app-id parser of the chain commands (keys, chain). Errors are usage errors
    /// naming `flag`.
    public init(appId text: String, flag: String = "--app-id") throws {
        let b: Bytes
        do { b = try Hex.decode(text.trimmingCharacters(in: .whitespaces)) } catch {
            throw DevProofError.usage("\(flag) '\(text.prefix(80))' is not hex")
        }
        if b.count == 32, b[20...].allSatisfy({ $0 == 0 }) { try self.init(bytes: Array(b.prefix(20))); return }
        guard b.count == 20 else { throw DevProofError.usage("\(flag) must be 20 bytes (40 hex digits) or 32 bytes left-aligned, got \(b.count)") }
        try self.init(bytes: b)
    }
}
