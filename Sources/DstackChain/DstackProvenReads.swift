import DevProofCore
import EVM

/// dstack contract values proven from storage against the trusted block (`--trusted-block`), each compared with
/// the provider's `eth_call` answer (`call`, as the ledger shows values: "true", a checksummed address, 0x-hex;
/// nil when there was no call to compare) and recorded in the pin's `ProofLedger`. Values the layout does not cover
/// are recorded as `eth_call (unproven)` by the callers.
public struct DstackProvenReads {
    public let pinned: PinnedChain
    public let prover: ProvenChainReader
    public let ledger: ProofLedger
    public let layout: DstackStorageLayout

    /// nil when the pin has no trusted block (reads are then quorum-checked only).
    public init?(_ pinned: PinnedChain, layout: DstackStorageLayout) {
        guard let p = pinned.prover, let l = pinned.ledger else { return nil }
        self.pinned = pinned; self.prover = p; self.ledger = l; self.layout = layout
    }

    func words(_ a: Address, _ slots: [Bytes]) throws -> [Bytes] { try pinned.provenStorage(a, slots: slots, prover: prover) }

    /// A proven bool, or a `ProofError` when the slot holds something else (the layout does not fit the contract).
    func provenBool(_ a: Address, _ name: String, _ s: PackedScalar, call: String?, checks: [String]) throws -> Bool {
        let w = try words(a, [s.slot])[0]
        guard let b = s.bool(w) else {
            throw ProofError("\(name) on \(a.checksummed): \(s.description) holds \(w.hex0x), not a bool: the storage layout '\(layout.name)' does not fit this contract")
        }
        ledger.proven(name, on: a, slots: [s.slot], value: String(b), call: call, checks: checks)
        return b
    }

    func provenAddress(_ a: Address, _ name: String, _ s: PackedScalar, call: String?, checks: [String]) throws -> Address {
        let w = try words(a, [s.slot])[0]
        let addr = try Address(bytes: s.extract(w))
        ledger.proven(name, on: a, slots: [s.slot], value: addr.checksummed, call: call, checks: checks)
        return addr
    }

    // MARK: DstackApp

    public func allowedComposeHash(_ app: Address, _ h: Bytes, call: String?, checks: [String]) throws -> Bool {
        try provenBool(app, "allowedComposeHashes(\(h.hex0x))", PackedScalar(slot: layout.appMapping(layout.allowedComposeHashes, h), size: 1),
                       call: call, checks: checks)
    }
    public func allowedDevice(_ app: Address, _ d: Bytes, call: String?, checks: [String]) throws -> Bool {
        try provenBool(app, "allowedDeviceIds(\(d.hex0x))", PackedScalar(slot: layout.appMapping(layout.allowedDeviceIds, d), size: 1),
                       call: call, checks: checks)
    }
    public func allowAnyDevice(_ app: Address, call: String?, checks: [String]) throws -> Bool {
        try provenBool(app, "allowAnyDevice", layout.allowAnyDevice, call: call, checks: checks)
    }
    public func requireTcbUpToDate(_ app: Address, call: String?, checks: [String]) throws -> Bool {
        try provenBool(app, "requireTcbUpToDate", layout.requireTcbUpToDate, call: call, checks: checks)
    }
    public func owner(_ app: Address, call: String?, checks: [String]) throws -> Address {
        try provenAddress(app, "owner", layout.appOwner, call: call, checks: checks)
    }
    public func pendingOwner(_ app: Address, call: String?, checks: [String]) throws -> Address {
        try provenAddress(app, "pendingOwner", layout.appPendingOwner, call: call, checks: checks)
    }

    /// DstackApp.isAppAllowed recomputed from proven storage (same order of tests as the upstream contract).
    public func appAllows(_ app: Address, composeHash: Bytes, deviceId: Bytes, tcbStatus: String, checks: [String]) throws -> (Bool, String) {
        if try requireTcbUpToDate(app, call: nil, checks: checks), tcbStatus != "UpToDate" { return (false, "TCB status is not up to date") }
        if !(try allowedComposeHash(app, composeHash, call: nil, checks: checks)) { return (false, "Compose hash not allowed") }
        if !(try allowAnyDevice(app, call: nil, checks: checks)), !(try allowedDevice(app, deviceId, call: nil, checks: checks)) {
            return (false, "Device not allowed")
        }
        return (true, "")
    }

    /// Whether the DstackApp layout applies: the (proven) code of the app or its ERC-1967 implementation has
    /// addComposeHash and not proposeComposeHash (TimelockAppAuth keeps its state elsewhere).
    public static func runsDstackApp(_ pinned: PinnedChain, _ app: Address) throws -> Bool {
        var code = try pinned.getCode(app)
        guard !code.isEmpty else { return false }
        let w = try pinned.getStorageAt(app, slot: AppAuthABI.implementationSlot)
        if w.count == 32, w[..<12].allSatisfy({ $0 == 0 }), !w.isAllZero, let impl = try? Address(bytes: Array(w[12...])) {
            code += try pinned.getCode(impl)
        }
        let sels = AppAuthABI.selectorsPresent(in: code)
        return sels.contains(AppAuthABI.Function.addComposeHash.selectorHex) && !sels.contains(AppAuthABI.Function.proposeComposeHash.selectorHex)
    }

    // MARK: DstackKms

    /// DstackKms.isAppAllowed recomputed: registered app, allowed OS image, app code present, then the app's decision.
    public func kmsAllows(_ kms: Address, appId: Address, osImageHash: Bytes, app: () throws -> (Bool, String), checks: [String]) throws -> (Bool, String) {
        let reg = PackedScalar(slot: layout.kmsMapping(layout.registeredApps, appId.bytes), size: 1)
        if !(try provenBool(kms, "registeredApps(\(appId.checksummed))", reg, call: nil, checks: checks)) { return (false, "App not registered") }
        let os = PackedScalar(slot: layout.kmsMapping(layout.allowedOsImages, osImageHash), size: 1)
        if !(try provenBool(kms, "allowedOsImages(\(osImageHash.hex0x))", os, call: nil, checks: checks)) { return (false, "OS image is not allowed") }
        if try pinned.getCode(appId).isEmpty { return (false, "App not deployed or invalid address") }
        return try app()
    }

    /// `kmsInfo().k256Pubkey` from storage (head slot, then its data slots), compared with `call`.
    public func k256Pubkey(_ kms: Address, call: String?, checks: [String]) throws -> Bytes {
        let head = try words(kms, [layout.k256Pubkey])[0]
        let (length, dataSlots, inline) = try layout.kmsBytes.dataSlots(head: layout.k256Pubkey, headValue: head, maxLength: DstackStorageLayout.maxBytes)
        let value = try inline ?? DynamicBytesLayout.join(words(kms, dataSlots), length: length)
        ledger.proven("kmsInfo().k256Pubkey", on: kms, slots: [layout.k256Pubkey] + dataSlots, value: value.hex0x,
                      call: call, checks: checks)
        return value
    }

    // MARK: unproven

    /// Records an `eth_call` answer no layout covers.
    public func unproven(_ name: String, on a: Address, _ result: String, checks: [String]) {
        ledger.unproven(name, on: a, value: result, checks: checks)
    }
}
