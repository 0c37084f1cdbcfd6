import DevProofCore
import Foundation

/// `eth_getLogs` over a block range with adaptive chunking.
///
/// Public providers cap `eth_getLogs` (block range, result count, response time). The scanner starts with
/// `initialChunk` blocks, halves the chunk when a provider refuses the size (range/limit errors, HTTP 413,
/// timeouts) and retries the same range, and doubles it (up to `maxChunk`) after each success, so the number
/// of requests grows with the range divided by the chunk a provider accepts, not with the number of blocks.
/// A cap on requests and/or blocks makes the result explicitly incomplete (`complete == false`, with the
/// last block scanned), never silently partial.
public struct LogScanner: Sendable {
    public var addresses: [Address]
    public var topic0: [Bytes]?
    public var initialChunk: UInt64 = 2_000
    public var minChunk: UInt64 = 1
    public var maxChunk: UInt64 = 1_000_000
    /// Give up (incomplete) after this many `eth_getLogs` requests.
    public var maxRequests: Int = 5_000
    /// Give up (incomplete) after scanning this many blocks; nil = no limit.
    public var maxBlocks: UInt64?
    /// Called after every request; `LogScanner.stderrProgress` prints one updating line when slow.
    public var progress: (@Sendable (LogScanProgress) -> Void)?

    public init(addresses: [Address], topic0: [Bytes]? = nil) {
        self.addresses = addresses; self.topic0 = topic0
    }

    public func scan(_ client: RPCClient, from: UInt64, to: UInt64) throws -> LogScanResult {
        guard from <= to else { return LogScanResult(logs: [], from: from, to: to, scannedThrough: to, complete: true, requests: 0, reason: nil) }
        var logs = [EthLog]()
        var chunk = max(minChunk, min(initialChunk, maxChunk))
        var cursor = from
        var requests = 0, halvings = 0, successes = 0
        var ceiling = UInt64.max
        let start = Date()
        while cursor <= to {
            if requests >= maxRequests {
                return LogScanResult(logs: logs, from: from, to: to, scannedThrough: cursor &- 1, complete: false, requests: requests,
                                     reason: "stopped after \(requests) eth_getLogs requests (--max-requests); blocks \(cursor)…\(to) not scanned", halvings: halvings)
            }
            if let maxBlocks, cursor - from >= maxBlocks {
                return LogScanResult(logs: logs, from: from, to: to, scannedThrough: cursor &- 1, complete: false, requests: requests,
                                     reason: "stopped after \(cursor - from) blocks (--max-blocks); blocks \(cursor)…\(to) not scanned", halvings: halvings)
            }
            let end = to - cursor < chunk ? to : cursor + chunk - 1
            requests += 1
            do {
                let got = try client.getLogs(addresses: addresses, topic0: topic0, from: cursor, to: end)
                for l in got {
                    guard l.blockNumber >= cursor, l.blockNumber <= end else {
                        throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getLogs",
                                                 message: "log at block \(l.blockNumber) outside the requested \(cursor)…\(end)")
                    }
                    guard addresses.contains(l.address) else {
                        throw RPCError.malformed(provider: client.endpoints[0].name, method: "eth_getLogs",
                                                 message: "log from \(l.address) which was not requested")
                    }
                }
                logs += got.filter { !$0.removed }
                cursor = end &+ 1
                if end == to { break }
                // Grow, but not back to a size the provider refused, unless it has accepted many chunks since
                // (limits on result counts depend on how dense the logs are, so probe again now and then).
                successes += 1
                if chunk * 2 < ceiling { chunk = min(maxChunk, chunk * 2) }
                else if successes >= 16 { ceiling = ceiling == .max ? ceiling : ceiling * 2; successes = 0 }
            } catch let e as RPCError where e.isRangeLimit {
                guard chunk > minChunk else { throw e }
                ceiling = chunk
                chunk = max(minChunk, chunk / 2)
                halvings += 1; successes = 0
            }
            progress?(LogScanProgress(from: from, to: to, cursor: min(cursor, to), chunk: chunk, requests: requests,
                                      logs: logs.count, elapsed: Date().timeIntervalSince(start), done: false))
        }
        progress?(LogScanProgress(from: from, to: to, cursor: to, chunk: chunk, requests: requests, logs: logs.count,
                                  elapsed: Date().timeIntervalSince(start), done: true))
        logs.sort { ($0.blockNumber, $0.logIndex) < ($1.blockNumber, $1.logIndex) }
        return LogScanResult(logs: logs, from: from, to: to, scannedThrough: to, complete: true, requests: requests, reason: nil, halvings: halvings)
    }

    /// A progress line on stderr, rewritten in place, shown once the scan has taken more than a second.
    public static let stderrProgress: @Sendable (LogScanProgress) -> Void = { p in
        guard p.elapsed > 1 else { return }
        if p.done { FileHandle.standardError.write(Data("\n".utf8)); return }
        let pct = p.to > p.from ? Double(p.cursor - p.from) * 100 / Double(p.to - p.from) : 100
        let line = String(format: "\rdevproof: scanning logs %llu…%llu: %.0f%%, %d requests, %d logs, chunk %llu ",
                          p.from, p.to, pct, p.requests, p.logs, p.chunk)
        FileHandle.standardError.write(Data(line.utf8))
    }
}

public struct LogScanProgress: Sendable {
    public let from, to, cursor, chunk: UInt64
    public let requests: Int
    public let logs: Int
    public let elapsed: Double
    /// The scan finished (ends the progress line).
    public let done: Bool
}

public struct LogScanResult: Sendable {
    public let logs: [EthLog]
    public let from: UInt64
    public let to: UInt64
    /// Last block whose logs are included.
    public let scannedThrough: UInt64
    /// False when a cap stopped the scan: absence of an event is then NOT evidence.
    public let complete: Bool
    public let requests: Int
    public let reason: String?
    public var halvings: Int = 0
}

/// Finds the block where a contract's code first appears, by binary search on `eth_getCode`
/// (requires an archive provider for old blocks). Returns nil when there is no code at `head`.
public enum DeploymentFinder {
    public static func deploymentBlock(_ client: RPCClient, _ address: Address, head: UInt64) throws -> UInt64? {
        guard !(try client.getCode(address, block: head)).isEmpty else { return nil }
        var lo: UInt64 = 0, hi = head   // invariant: code at hi; no code before lo
        if !(try client.getCode(address, block: 0)).isEmpty { return 0 }
        lo = 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if try client.getCode(address, block: mid).isEmpty { lo = mid + 1 } else { hi = mid }
        }
        return hi
    }
}
