import DevProofCore

/// An `eth_getLogs` / receipt log entry, parsed strictly from JSON-RPC.
public struct EthLog: Sendable, Equatable {
    public var address: Address
    public var topics: [Bytes]
    public var data: Bytes
    public var blockNumber: UInt64
    public var blockHash: Bytes
    public var transactionHash: Bytes
    public var logIndex: UInt64
    public var removed: Bool

    public init(address: Address, topics: [Bytes], data: Bytes, blockNumber: UInt64, blockHash: Bytes = [],
                transactionHash: Bytes = [], logIndex: UInt64 = 0, removed: Bool = false) {
        self.address = address; self.topics = topics; self.data = data; self.blockNumber = blockNumber
        self.blockHash = blockHash; self.transactionHash = transactionHash; self.logIndex = logIndex; self.removed = removed
    }

    public init(json: JSONValue) throws {
        guard json.objectValue != nil else { throw DevProofError.malformed("log entry is not an object") }
        func str(_ k: String) throws -> String {
            guard let s = json[k]?.stringValue else { throw DevProofError.malformed("log entry has no string '\(k)'") }
            return s
        }
        address = try Address(try str("address"))
        guard let ts = json["topics"]?.arrayValue, ts.count <= 4 else { throw DevProofError.malformed("log entry has no valid 'topics' (0-4)") }
        topics = try ts.map { t in
            guard let s = t.stringValue else { throw DevProofError.malformed("log topic is not a string") }
            let b = try Hex.decode(s)
            guard b.count == 32 else { throw DevProofError.malformed("log topic is \(b.count) bytes, not 32") }
            return b
        }
        data = try Hex.decode(try str("data"))
        blockNumber = try RPCQuantity.parse(try str("blockNumber"), "log blockNumber")
        blockHash = try Hex.decode(try str("blockHash"))
        transactionHash = try Hex.decode(try str("transactionHash"))
        logIndex = try RPCQuantity.parse(try str("logIndex"), "log logIndex")
        removed = json["removed"]?.boolValue ?? false
        guard blockHash.count == 32, transactionHash.count == 32 else { throw DevProofError.malformed("log blockHash/transactionHash must be 32 bytes") }
    }

    public var topic0: Bytes? { topics.first }
}

/// An event declaration, e.g. `ComposeHashProposed(bytes32 indexed composeHash, uint256 activatesAt)`.
/// topic0 is keccak of the canonical signature, which does NOT encode which parameters are indexed: the same
/// topic0 can have different layouts in different contracts, so decoding is per declaration.
public struct ABIEvent: Sendable, Equatable {
    public struct Param: Sendable, Equatable {
        public let name: String
        public let type: ABIType
        public let indexed: Bool
    }
    public let name: String
    public let params: [Param]

    public init(_ decl: String) throws {
        guard let open = decl.firstIndex(of: "("), decl.hasSuffix(")") else { throw ABIError("bad event declaration '\(decl)'") }
        name = String(decl[..<open])
        let inner = String(decl[decl.index(after: open)..<decl.index(before: decl.endIndex)])
        var ps = [Param]()
        if !inner.isEmpty {
            // Split on top-level commas.
            var parts = [String](), depth = 0, cur = ""
            for c in inner {
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                if c == ",", depth == 0 { parts.append(cur); cur = "" } else { cur.append(c) }
            }
            parts.append(cur)
            for (i, part) in parts.enumerated() {
                let words = part.split(separator: " ").map(String.init)
                guard let tword = words.first else { throw ABIError("empty parameter in '\(decl)'") }
                let indexed = words.contains("indexed")
                let pname = words.count > 1 && words.last != "indexed" ? words.last! : "arg\(i)"
                ps.append(Param(name: pname, type: try ABIType(parsing: tword), indexed: indexed))
            }
        }
        params = ps
    }

    public init(name: String, params: [Param]) { self.name = name; self.params = params }

    public var signature: String { name + "(" + params.map(\.type.description).joined(separator: ",") + ")" }
    public var topic0: Bytes { ABI.topic(signature) }
    public var indexedCount: Int { params.filter(\.indexed).count }

    /// The same event with the first `n` parameters indexed (layout inference for unknown contracts).
    public func withIndexedPrefix(_ n: Int) -> ABIEvent {
        ABIEvent(name: name, params: params.enumerated().map { i, p in Param(name: p.name, type: p.type, indexed: i < n) })
    }

    /// Decodes a log with this declaration. The topic count must match the number of indexed parameters.
    public func decode(_ log: EthLog) throws -> DecodedEvent {
        guard log.topics.first == topic0 else { throw ABIError("log topic0 is not \(signature)") }
        guard log.topics.count == 1 + indexedCount else {
            throw ABIError("\(signature): log has \(log.topics.count - 1) indexed topics, declaration has \(indexedCount)")
        }
        let dataTypes = params.filter { !$0.indexed }.map(\.type)
        let dataValues = try ABI.decode(dataTypes, log.data)
        var args = [DecodedEvent.Arg]()
        var ti = 1, di = 0
        for p in params {
            if p.indexed {
                let topic = log.topics[ti]; ti += 1
                if p.type.isDynamic || {
                    if case .tuple = p.type { return true }; if case .fixedArray = p.type { return true }; return false
                }() {
                    // Reference types are stored as keccak of their encoding: only the hash is recoverable.
                    args.append(.init(name: p.name, type: p.type, value: .fixedBytes(topic), hashedTopic: true))
                } else {
                    let v = try ABI.decode([p.type], topic)
                    args.append(.init(name: p.name, type: p.type, value: v[0], hashedTopic: false))
                }
            } else {
                args.append(.init(name: p.name, type: p.type, value: dataValues[di], hashedTopic: false)); di += 1
            }
        }
        return DecodedEvent(event: self, args: args, log: log)
    }
}

public struct DecodedEvent: Sendable, Equatable {
    public struct Arg: Sendable, Equatable {
        public let name: String
        public let type: ABIType
        public let value: ABIValue
        /// An indexed reference-type argument: `value` is keccak of it, not the value.
        public let hashedTopic: Bool
    }
    public let event: ABIEvent
    public let args: [Arg]
    public let log: EthLog

    public var name: String { event.name }
    public subscript(_ name: String) -> ABIValue? { args.first(where: { $0.name == name })?.value }

    public var argsJSON: JSONValue { .object(args.map { JSONMember($0.name, $0.value.json) }) }
}
