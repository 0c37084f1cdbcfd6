import DevProofCore
import Dstack
import Testing

/// Event-log integrity: identity facts come only from dstack runtime events of the boot sequence (before
/// system-ready), RTMR3 holds only runtime events, and no edit of a log that still replays changes a fact.
@Suite("dstack: event log integrity")
struct EventLogIntegrityTests {
    static func rt(_ name: String, _ payload: Bytes, type: UInt32 = RuntimeEvent.eventType) -> TdxEvent {
        TdxEvent(imr: 3, eventType: type, digest: RuntimeEvent.digest(name: name, payload: payload, version: nil), name: name, payload: payload)
    }
    static let bootLog: [TdxEvent] = [
        TdxEvent(imr: 0, eventType: 0x8000_0001, digest: Bytes(repeating: 7, count: 48), name: "", payload: []),
        rt("system-preparing", []), rt("app-id", Bytes(repeating: 0xa1, count: 20)), rt("compose-hash", Bytes(repeating: 0xc0, count: 32)),
        rt("instance-id", Bytes(repeating: 0x1d, count: 20)), rt("boot-mr-done", []), rt("os-image-hash", Bytes(repeating: 0x05, count: 32)),
        rt("key-provider", Array(#"{"name":"kms","id":"abcd"}"#.utf8)), rt("storage-fs", Array("ext4".utf8)), rt("system-ready", []),
        rt("app-event", [1, 2, 3]),
    ]

    /// The attack of issue 7: a runtime `compose-hash` event re-typed (digest kept) still replays RTMR3 but drops
    /// out of the identity reader; an app-emitted `compose-hash` after system-ready would then stand in.
    @Test func retypedRuntimeEventIsRefusedAndAppEventNeverBecomesAFact() throws {
        var events = Self.bootLog
        let i = try #require(events.firstIndex { $0.name == "compose-hash" })
        events[i].eventType = 0x0000_000d  // EV_IPL, digest kept: the replay is unchanged
        let fake = Bytes(repeating: 0xee, count: 32)
        events.append(Self.rt("compose-hash", fake))
        let original = EventLog(Self.bootLog + [Self.rt("compose-hash", fake)])
        let forged = EventLog(events)
        #expect(forged.replay()[3] == original.replay()[3], "the re-typed event still replays")
        let problems = forged.structuralProblems()
        #expect(problems.contains { $0.contains("not a dstack runtime event") }, "\(problems)")
        // And the identity reader never takes the app-emitted one.
        let id = AppIdentity(forged)
        #expect(id.composeHash == nil)
        #expect(id.impersonatingAppEvents == ["compose-hash"])
        #expect(AppIdentity(original).composeHash == Bytes(repeating: 0xc0, count: 32))
    }

    @Test func identityOnlyFromTheBootSequence() {
        let id = AppIdentity(EventLog(Self.bootLog + [Self.rt("app-id", Bytes(repeating: 0xbb, count: 20))]))
        #expect(id.appId == Bytes(repeating: 0xa1, count: 20))
        #expect(id.appEvents.map(\.name) == ["app-event", "app-id"])
        #expect(id.impersonatingAppEvents == ["app-id"])
        #expect(id.osImageHash == Bytes(repeating: 0x05, count: 32))
        #expect(id.keyProviderId == "abcd")
    }

    /// Property: random edits of event types, order, names and IMRs. Whenever the edited log still replays to the
    /// same registers with no structural problem and no digest mismatch, every identity fact is unchanged.
    @Test func noReplayingEditChangesAFact() {
        var rng = SplitMix(seed: 0x1d_e7_17)
        let base = EventLog(Self.bootLog)
        let want = AppIdentity(base)
        let names = ["app-id", "compose-hash", "instance-id", "os-image-hash", "key-provider", "system-ready", "boot-mr-done", "x"]
        var accepted = 0, rejected = 0, factsChangedButRefused = 0
        for _ in 0..<3000 {
            var ev = base.events
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(ev.count))
                switch rng.next() % 6 {
                case 0: ev[i].eventType = [0, 1, 0xd, 0x8000_0001, 0x0800_0002, RuntimeEvent.eventType][Int(rng.next() % 6)]
                case 1: let j = Int(rng.next() % UInt64(ev.count)); ev.swapAt(i, j)
                case 2: ev[i].name = names[Int(rng.next() % UInt64(names.count))]
                case 3: ev[i].imr = UInt32(rng.next() % 5)
                case 4: ev.insert(Self.rt(names[Int(rng.next() % UInt64(names.count))], [UInt8(rng.next() & 0xff)]), at: i)
                default: ev[i].name = names[Int(rng.next() % UInt64(names.count))]; ev[i].digest = RuntimeEvent.digest(name: ev[i].name, payload: ev[i].payload, version: nil)
                }
            }
            let log = EventLog(ev)
            let replays = log.replay() == base.replay()
            let clean = log.structuralProblems().isEmpty && log.runtimeDigestMismatches().isEmpty
            let same = AppIdentity(log) == want
            if replays && clean {
                accepted += 1
                #expect(same, "a replaying, clean edit changed a fact: \(ev.map { "\($0.imr):\(String($0.eventType, radix: 16)):\($0.name)" })")
            } else {
                rejected += 1
                if !same { factsChangedButRefused += 1 }
            }
        }
        #expect(accepted > 0 && factsChangedButRefused > 100, "accepted \(accepted), refused with changed facts \(factsChangedButRefused)")
    }
}
