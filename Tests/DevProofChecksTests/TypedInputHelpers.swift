import DevProofCore
import DstackChain
import EVM

/// Test inputs arrive as text (devnet facts, vectors); the library takes values parsed at the CLI edge. These
/// parse known-good test values with the same parsers the CLI uses (a bad value is a test bug: it traps).
extension String {
    var appIdValue: Address { try! Address(appId: self) }
    var addressValue: Address { try! Address(self) }
    var kmsRootValue: KMSRoot { try! KMSRoot(self) }
}
