import DevProofCore
import Dstack
import TDX

/// The OS checks, the evidence's own claims, and the facts (AppBootInfo for `chain boot --from-attest`).
/// Rule: the auditor's reference decides; what the evidence says about itself is a consistency check or a
/// claim, never a pass of `os.measurement` and never a fact.
extension AttestEvidence {
    /// `os.measurement` passes only against the auditor's reference (`--os-ref`, or `reference.os` of the
    /// policy). Lite evidence's own `vm_config.tdx_measurement` is compared under `os.self_consistency`
    /// (not required): it shows the registers fit the image the evidence names, not that the image is one
    /// the auditor trusts.
    static func osChecks(_ ev: DstackEvidence, _ regs: QuoteRegisters, _ osRef: OSReference?) -> [Check] {
        var lite: Check?
        if let vc = ev.vmConfig, vc["tdx_attestation_variant"]?.stringValue == "lite" {
            if let log = ev.primaryLog?.log {
                do {
                    let res = try LiteMeasurement.compute(vmConfig: vc, acpiDigests: LiteMeasurement.acpiDigests(log))
                    lite = compareOS(res.reference, regs, how: "values computed from the evidence's own vm_config.tdx_measurement (lite)",
                                     id: "os.self_consistency", extra: res.details)
                } catch {
                    lite = .fail("os.self_consistency", "the evidence's lite vm_config cannot be measured: \(error)",
                                 .obj([("vm_config_os_image_hash", vc["os_image_hash"] ?? .null)]))
                }
            } else {
                lite = .skip("os.self_consistency", "lite vm_config given, but no event log: RTMR0 needs its three ACPI digests")
            }
        }
        var out = [Check]()
        if let ref = osRef {
            out.append(compareOS(ref, regs, how: "auditor's OS reference (--os-ref / policy reference.os)", id: "os.measurement"))
        } else {
            var why = "MRTD/RTMR0-2 not compared with any OS reference of yours: give --os-ref FILE (reference MRTD/RTMR0-2 of the image, e.g. from dstack-mr) or reference.os in --policy"
            if lite != nil { why += "; the evidence's own vm_config is only a consistency check (os.self_consistency), not a trusted OS image" }
            out.append(.skip("os.measurement", why))
        }
        if let lite { out.append(lite) }
        return out
    }

    static func compareOS(_ ref: OSReference, _ regs: QuoteRegisters, how: String, id: String, extra: [(String, JSONValue)] = []) -> Check {
        let items: [(String, Bytes, Bytes)] = [("MRTD", ref.mrTD, regs.mrTD), ("RTMR0", ref.rtmr0, regs.rtmrs[0]),
                                               ("RTMR1", ref.rtmr1, regs.rtmrs[1]), ("RTMR2", ref.rtmr2, regs.rtmrs[2])]
        let bad = items.filter { !bytesEqual($0.1, $0.2) }.map(\.0)
        let d: JSONValue = .obj([("reference", .string(how))] + items.map { ($0.0.lowercased(), .obj([("expected", .hex($0.1)), ("quote", .hex($0.2))])) } + extra)
        if bad.isEmpty { return .pass(id, "MRTD and RTMR0-2 equal the \(how)", d) }
        return .fail(id, "\(bad.joined(separator: ", ")) differ from the \(how): a different OS image, firmware or VM shape booted", d)
    }

    /// The response's own (unauthenticated) claims against what was derived from the quote. `device_id`
    /// matches either definition (sha256 of the PPID, or of the quote header's QE user data) and says which.
    static func claimsCheck(_ ev: DstackEvidence, _ r: Report) -> Check {
        func norm(_ s: String) -> String { (s.hasPrefix("0x") ? String(s.dropFirst(2)) : s).lowercased() }
        let map = ["app_id": "app_id", "instance_id": "instance_id", "compose_hash": "compose_hash",
                   "mr_aggregated": "mr_aggregated", "os_image_hash": "os_image_hash",
                   "tcb_info.compose_hash": "compose_hash", "tcb_info.mr_aggregated": "mr_aggregated",
                   "tcb_info.os_image_hash": "os_image_hash",
                   "tcb_info.mrtd": "mr_td", "tcb_info.rtmr0": "rtmr0", "tcb_info.rtmr1": "rtmr1",
                   "tcb_info.rtmr2": "rtmr2", "tcb_info.rtmr3": "rtmr3"]
        var claims = ev.claims
        if let s = ev.vmConfig?["os_image_hash"]?.stringValue, !s.isEmpty { claims.append(("vm_config.os_image_hash", s)) }
        var rows = [JSONValue](), bad = [String]()
        for (k, claimed) in claims {
            if k == "device_id" || k == "tcb_info.device_id" {
                let defs = [("sha256(ppid)", r.fact("device_id")?.stringValue), ("sha256(qe_user_data)", r.fact("device_id_qe_user_data")?.stringValue)]
                let matched = defs.first { $0.1.map(norm) == norm(claimed) }?.0
                rows.append(.obj([("claim", .string(k)), ("claimed", .string(claimed)),
                                  ("verified", .obj(defs.map { ($0.0, $0.1.map { .string($0) } ?? .null) })),
                                  ("match", .bool(matched != nil)), ("definition", matched.map { .string($0) } ?? .null)]))
                if matched == nil { bad.append(k) }
                continue
            }
            let fact = k == "vm_config.os_image_hash" ? "os_image_hash" : map[k]
            guard let fact else { continue }
            // Nothing measured (e.g. no os-image-hash event): the claim stays unverified, and is not a fact.
            guard let derived = r.fact(fact)?.stringValue else {
                rows.append(.obj([("claim", .string(k)), ("claimed", .string(claimed)), ("verified", .null), ("match", .null)]))
                continue
            }
            let ok = norm(claimed) == norm(derived)
            rows.append(.obj([("claim", .string(k)), ("claimed", .string(claimed)), ("verified", .string(derived)), ("match", .bool(ok))]))
            if !ok { bad.append(k) }
        }
        let d: JSONValue = .obj([("claims", .array(rows))])
        if !bad.isEmpty {
            return .warn("evidence.claims", "the evidence's own claims are not the verified values: \(bad.joined(separator: ", ")) (claims are never used as facts)", d)
        }
        return .info("evidence.claims", "\(rows.count) claims of the response equal the verified values (claims are never trusted on their own)", d)
    }

    // MARK: Facts (AppBootInfo for `chain boot --from-attest`)

    /// `liteBound`: os.self_consistency passed, so the registers are those of the image `vm_config.os_image_hash`
    /// names; only then (and only without an `os-image-hash` event) does that hash become the fact.
    static func addFacts(_ r: inout Report, _ ev: DstackEvidence, _ regs: QuoteRegisters, _ id: AppIdentity?,
                         dcapFacts: [JSONMember], device: DeviceIDs, liteBound: Bool) {
        func opt(_ b: Bytes?) -> JSONValue { b.map { .hex($0) } ?? .null }
        r.setFact("app_id", opt(id?.appId))
        r.setFact("compose_hash", opt(id?.composeHash))
        r.setFact("instance_id", opt(id?.instanceId))
        // device_id = sha256(PPID of the PCK certificate) (the KMS's definition; only known when DCAP ran);
        // device_id_qe_user_data = sha256(quote header user data) (dstack's decode_app_info / Info responses).
        r.setFact("device_id", opt(device.ppidHash))
        r.setFact("device_id_qe_user_data", .hex(device.qeUserDataHash))
        if let id, id.keyProviderInfo != nil {
            r.setFact("key_provider", .obj([("name", id.keyProviderName.map { .string($0) } ?? .null),
                                           ("id", id.keyProviderId.map { .string($0) } ?? .null)]))
        } else { r.setFact("key_provider", .null) }
        if let e = id?.osImageHash {
            r.setFact("os_image_hash", .hex(e)); r.setFact("os_image_hash_source", .string("os-image-hash event"))
        } else if liteBound, let s = ev.vmConfig?["os_image_hash"]?.stringValue, let b = try? Hex.decode(s), b.count == 32 {
            r.setFact("os_image_hash", .hex(b)); r.setFact("os_image_hash_source", .string("vm_config, bound by os.self_consistency"))
        } else {
            r.setFact("os_image_hash", .null)
        }
        r.setFact("mr_system", .hex(DerivedIdentity.mrSystem(mrTD: regs.mrTD, rtmrs: regs.rtmrs, keyProviderInfo: id?.keyProviderInfo)))
        r.setFact("mr_aggregated", .hex(DerivedIdentity.mrAggregated(mrTD: regs.mrTD, rtmrs: regs.rtmrs, mrConfigId: regs.mrConfigId,
                                                                        mrOwner: regs.mrOwner, mrOwnerConfig: regs.mrOwnerConfig)))
        // What the KMS sees at GetAppKey time (spec §6.4): RTMR3 replayed up to and including boot-mr-done,
        // and mr_system without the key provider (it is emitted later).
        if let log = ev.primaryLog?.log, let cut = log.events.firstIndex(where: { $0.isRuntime && $0.name == "boot-mr-done" }) {
            let boot = EventLog(Array(log.events[...cut]).filter { $0.imr == 3 }).replay()[3]
            let rt = [regs.rtmrs[0], regs.rtmrs[1], regs.rtmrs[2], boot]
            r.setFact("rtmr3_boot_mr_done", .hex(boot))
            r.setFact("mr_aggregated_boot_mr_done", .hex(DerivedIdentity.mrAggregated(mrTD: regs.mrTD, rtmrs: rt, mrConfigId: regs.mrConfigId,
                                                                                   mrOwner: regs.mrOwner, mrOwnerConfig: regs.mrOwnerConfig)))
            r.setFact("mr_system_boot_mr_done", .hex(DerivedIdentity.mrSystem(mrTD: regs.mrTD, rtmrs: rt, keyProviderInfo: nil)))
        }
        if r.fact("tcb_status") == nil { r.setFact("tcb_status", .null) }
        if r.fact("advisory_ids") == nil { r.setFact("advisory_ids", .array([])) }
        if let raw = ev.appCompose, let canon = sdkCanonicalHash(raw), canon != ComposeHash.raw(raw) {
            // The hash an SDK-generated (sorted, compact) file with the same content would have.
            r.setFact("compose_hash_sdk_canonical", .hex(canon))
        }
        if let id, !id.appEvents.isEmpty { r.setFact("application_events", .strings(id.appEvents.map(\.name))) }
    }
}
