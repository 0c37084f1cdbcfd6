import DevProofCore
import EVM
import Foundation
import Testing
import TestSupport
@testable import DstackChain

@Suite("--storage-layout FILE: every key required, unknown keys refused, same values as the built-in layouts")
struct StorageLayoutFileTests {
    static func text(hashing: String = "solidity", kmsBytes: String = "solidity", extra: String = "", ownerOffset: Int = 0) -> String {
        """
        {"name": "upstream-copy", "origin": "test",
         "app": {"mapping_hashing": "\(hashing)", "allowedComposeHashes": "0", "allowedDeviceIds": "0x2",
                 "upgradesDisabled": {"slot": "1", "offset": 0, "size": 1}, "allowAnyDevice": {"slot": "1", "offset": 1, "size": 1},
                 "requireTcbUpToDate": {"slot": "3", "offset": 0, "size": 1},
                 "owner": {"slot": {"erc7201": "openzeppelin.storage.Ownable"}, "offset": \(ownerOffset), "size": 20},
                 "pendingOwner": {"slot": {"erc7201": "openzeppelin.storage.Ownable2Step"}, "offset": 0, "size": 20}\(extra)},
         "kms": {"mapping_hashing": "\(hashing)", "bytes": "\(kmsBytes)", "k256Pubkey": "0", "registeredApps": "5",
                 "kmsAllowedAggregatedMrs": "6", "kmsAllowedDeviceIds": "7", "allowedOsImages": "8",
                 "owner": {"slot": {"erc7201": "openzeppelin.storage.Ownable"}, "offset": 0, "size": 20}}}
        """
    }

    func parse(_ s: String) throws -> DstackStorageLayout {
        try DstackStorageLayout(json: try JSONParser.parse(Array(s.utf8)), source: "test.json")
    }

    @Test func upstreamValuesEqualTheBuiltInLayout() throws {
        var l = try parse(Self.text())
        l.name = DstackStorageLayout.dstack.name; l.origin = DstackStorageLayout.dstack.origin
        #expect(l == DstackStorageLayout.dstack)
        // Through the CLI's parser: a file path loads the file, a name picks the built-in.
        let path = TestPaths.tempDir("layout").appendingPathComponent("layout.json").path
        try InputFile.write(path, Array(Self.text(hashing: "vyper").utf8))
        #expect(try DstackStorageLayout.parse(path).appHashing == .vyper)
        #expect(try DstackStorageLayout.parse("devnet-vyper") == .devnetVyper)
    }

    @Test func badFilesAreMalformedAndNameTheKey() throws {
        func refused(_ s: String, _ says: String) {
            do { _ = try parse(s); Issue.record("accepted: \(says)") } catch let e as DevProofError {
                #expect(e.category == .malformedInput)
                #expect(e.description.contains(says), "\(e)")
            } catch { Issue.record("\(error)") }
        }
        refused(Self.text(extra: #", "allowAnyDevices": "1""#), "app.allowAnyDevices is not a layout key")
        refused(Self.text(hashing: "rust"), "app.mapping_hashing must be")
        refused(Self.text(kmsBytes: "cbor"), "kms.bytes must be")
        refused(Self.text(ownerOffset: 13), "app.owner: offset and size")
        refused(Self.text().replacingOccurrences(of: #""allowedOsImages": "8","#, with: ""), "kms.allowedOsImages is missing")
        refused(Self.text().replacingOccurrences(of: #""registeredApps": "5""#, with: #""registeredApps": "five""#), "kms.registeredApps 'five' is not a slot number")
        #expect(throws: DevProofError.self) { _ = try DstackStorageLayout.parse("solidity-v9") }
    }
}
