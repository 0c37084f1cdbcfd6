import DevProofCore
import Dstack
import Foundation
import TDX

/// dstack evidence pipeline (`devproof attest --evidence` and friends): binds an app's identity
/// (event log, app-compose, OS image, RA-TLS key, report_data) to a TDX quote, and runs the DCAP
/// checks on that quote.
public enum AttestEvidence {
    public static func run(_ o: AttestOptions) throws -> Report {
        let ev = try gather(o)
        guard let quoteBytes = ev.quote else {
            throw DevProofError.malformed("no quote in the evidence (\(ev.kind.rawValue)); give one with --quote FILE")
        }
        let quote = try Quote.parse(quoteBytes)
        let regs = try QuoteRegisters(quote)
        let bindings = try o.bindings.map(ReportDataBinding.parse)
        var bindFiles = [String: Bytes]()
        for b in bindings { if let p = b.path { bindFiles[p] = try InputFile.read(p, what: "--bind file", limit: InputFile.Limit.evidence) } }
        return try evaluate(ev, quote: quote, regs: regs, bindings: bindings, bindFiles: bindFiles, osRef: o.references.os, options: o)
    }

    /// The pipeline on evidence another command already holds in memory (`tls`: a quote from a certificate
    /// or an endpoint): the same checks as `attest --evidence`, with the caller's expected report_data. The
    /// policy file and `--os-ref` are applied here exactly as `attest` applies them.
    public static func verify(_ ev: DstackEvidence, quote: Quote, bindings: [ReportDataBinding], options: AttestOptions) throws -> Report {
        let o = try AttestPolicy.resolve(options)
        return try evaluate(ev, quote: quote, regs: try QuoteRegisters(quote), bindings: bindings, bindFiles: [:], osRef: o.references.os, options: o)
    }

    // MARK: Inputs

    static func gather(_ o: AttestOptions) throws -> DstackEvidence {
        var ev: DstackEvidence
        if let p = o.evidencePath {
            ev = try DstackEvidence.detect(try InputFile.read(p, what: "evidence file", limit: InputFile.Limit.evidence), name: (p as NSString).lastPathComponent)
        } else {
            ev = DstackEvidence(kind: .parts)
        }
        if let p = o.quotePath {
            guard ev.quote == nil else {
                throw DevProofError.usage("the evidence already carries a quote (\(ev.quoteSource ?? "evidence")); drop --quote")
            }
            let q = try Quote.load(fileBytes: try InputFile.read(p, what: "quote file", limit: InputFile.Limit.quote))
            ev.quote = q.raw; ev.quoteSource = p
        }
        if let p = o.eventLogPath {
            ev.eventLogs.append(.init(p, try EventLog.parse(bytes: try InputFile.read(p, what: "event log file", limit: InputFile.Limit.evidence), what: "event log '\(p)'")))
        }
        if let p = o.appComposePath {
            ev.appCompose = try InputFile.read(p, what: "app-compose file", limit: InputFile.Limit.evidence); ev.appComposeSource = p
        }
        if let p = o.vmConfigPath {
            let (_, v) = try InputFile.readJSON(p, what: "vm_config file", limit: InputFile.Limit.config)
            guard case .object = v else { throw DevProofError.malformed("vm_config '\(p)' must be a JSON object") }
            ev.vmConfig = v
        }
        return ev
    }

    // MARK: Checks

    static func evaluate(_ ev: DstackEvidence, quote: Quote, regs: QuoteRegisters, bindings: [ReportDataBinding],
                         bindFiles: [String: Bytes], osRef: OSReference?, options o: AttestOptions) throws -> Report {
        var r = Report(command: "attest")
        if let b = AttestQuote.optOutBanner(o) { r.banners.append(b) }
        r.setFact("mode", .string(o.simulator ? "simulator" : o.noDCAP ? "no-dcap" : "verify"))
        r.setFact("evidence_kind", .string(ev.kind.rawValue))
        if let s = ev.quoteSource { r.setFact("quote_source", .string(s)) }

        // DCAP on the quote.
        let dcap = try AttestQuote.dcapChecks(quote: quote, options: o)
        r.add(dcap.checks)
        for f in dcap.facts { r.setFact(f.key, f.value) }

        r.add(debugCheck(regs, o))

        let primary = ev.primaryLog
        let identity = primary.map { AppIdentity($0.log) }
        let replay = replayCheck(ev, regs)
        r.add(replay)
        r.add(digestsCheck(ev))
        r.add(identityCheck(identity, primary?.source))
        r.add(composeHashCheck(ev, identity))
        r.add(configIdCheck(regs, identity))
        let os = osChecks(ev, regs, osRef)
        r.add(os)
        let device = AttestQuote.deviceIDs(quote: quote, dcap: dcap.checks, dcapFacts: dcap.facts)
        r.add(AttestReferenceChecks.checks(o.references, regs: regs, identity: identity, replay: replay, device: device,
                                           quoteSignature: dcap.checks.first { $0.id == "quote.signature" }))
        if !ev.certs.isEmpty || ev.kind == .ratlsCert { r.add(ratlsCheck(ev, regs)) }
        r.add(reportDataCheck(ev, regs, bindings, bindFiles))

        addFacts(&r, ev, regs, identity, dcapFacts: dcap.facts, device: device,
                 liteBound: os.contains { $0.id == "os.self_consistency" && $0.status == .pass })
        if !ev.claims.isEmpty { r.add(claimsCheck(ev, r)) }
        return r
    }

    static func debugCheck(_ regs: QuoteRegisters, _ o: AttestOptions) -> Check {
        let d: JSONValue = .obj([("td_attributes", .hex(regs.tdAttributes))])
        if !regs.debug { return .pass("td.debug", "debug off (td_attributes bit 0 clear)", d) }
        if o.allowDebug { return .warn("td.debug", "DEBUG TD accepted by --allow-debug: the host can read and change its memory", d) }
        return .fail("td.debug", "DEBUG TD: the host can read and modify its memory; nothing it attests can be trusted", d)
    }

    static func regName(_ i: Int) -> String { "RTMR\(i)" }

    static func replayCheck(_ ev: DstackEvidence, _ regs: QuoteRegisters) -> Check {
        guard !ev.eventLogs.isEmpty else {
            return .skip("eventlog.replay", "no event log supplied (give --event-log or evidence that carries one): nothing binds the quote to an app")
        }
        var failures = [String](), details = [JSONValue](), compared = Set<Int>()
        for src in ev.eventLogs {
            let problems = src.log.structuralProblems()
            let replayed = src.log.replay()
            // A boot IMR is compared when the log has events for it; stripped logs (RA-TLS/attestation)
            // keep only RTMR3 (+ the ACPI digests), so RTMR0-2 are bound by os.measurement instead.
            let stripped = !src.log.events.contains { $0.imr == 1 || $0.imr == 2 }
            var regsOut = [JSONValue]()
            for i in 0..<4 {
                let has = src.log.events.contains { $0.imr == i }
                let comparable = i == 3 || (has && !stripped)
                let eq = bytesEqual(replayed[i], regs.rtmrs[i])
                if comparable {
                    compared.insert(i)
                    if !eq { failures.append("\(regName(i)) from \(src.source) replays to \(replayed[i].hex.prefix(16))…, quote has \(regs.rtmrs[i].hex.prefix(16))…") }
                }
                regsOut.append(.obj([("register", .string(regName(i))), ("compared", .bool(comparable)),
                                     ("replayed", .hex(replayed[i])), ("quote", .hex(regs.rtmrs[i])),
                                     ("match", comparable ? .bool(eq) : .null)]))
            }
            for p in problems { failures.append("\(src.source): \(p)") }
            details.append(.obj([("source", .string(src.source)), ("events", .int(src.log.events.count)),
                                 ("runtime_events", .int(src.log.runtimeCount)), ("stripped", .bool(stripped)),
                                 ("registers", .array(regsOut)), ("problems", .strings(problems))]))
        }
        if let a = ev.attestation, !a.runtimeListsAgree {
            failures.append("the attestation's runtime-event list differs from its event log")
        }
        let d: JSONValue = .obj([("logs", .array(details))])
        if !failures.isEmpty {
            return .fail("eventlog.replay", "event log does not reproduce the quote: " + failures[0] + (failures.count > 1 ? " (+\(failures.count - 1) more)" : ""), d)
        }
        let names = compared.sorted().map(regName).joined(separator: ", ")
        return .pass("eventlog.replay", "\(names) replayed from \(ev.eventLogs.count) log(s) equal the quote (runtime digests recomputed from payloads)", d)
    }

    static func digestsCheck(_ ev: DstackEvidence) -> Check {
        guard !ev.eventLogs.isEmpty else { return .notApplicable("eventlog.digests", "no event log supplied") }
        var mism = [JSONValue](), first: String?
        var given = 0, total = 0
        for src in ev.eventLogs {
            for e in src.log.events where e.isRuntime { total += 1; if !e.digest.isEmpty { given += 1 } }
            for m in src.log.runtimeDigestMismatches() {
                if first == nil { first = "\(src.source) event #\(m.index) '\(m.name)': logged \(m.what) does not match name+payload" }
                mism.append(.obj([("source", .string(src.source)), ("index", .int(m.index)), ("event", .string(m.name)),
                                  ("field", .string(m.what)), ("logged", .hex(m.given)), ("recomputed", .hex(m.recomputed))]))
            }
        }
        let d: JSONValue = .obj([("runtime_events", .int(total)), ("with_logged_digest", .int(given)), ("mismatches", .array(mism))])
        if let first { return .fail("eventlog.digests", first, d) }
        if given == 0 { return .info("eventlog.digests", "\(total) runtime events, none with a logged digest (stripped log): digests recomputed", d) }
        return .pass("eventlog.digests", "\(given) logged runtime digests equal the recomputation from name+payload", d)
    }

    static func identityCheck(_ id: AppIdentity?, _ source: String?) -> Check {
        guard let id else { return .notApplicable("app.identity", "no event log: app identity unknown") }
        var pairs: [(String, JSONValue)] = [("source", .string(source ?? ""))]
        func opt(_ b: Bytes?) -> JSONValue { b.map { .hex($0) } ?? .null }
        pairs.append(("app_id", opt(id.appId)))
        pairs.append(("compose_hash", opt(id.composeHash)))
        pairs.append(("instance_id", opt(id.instanceId)))
        if id.keyProviderInfo != nil {
            pairs.append(("key_provider", .obj([("name", id.keyProviderName.map { .string($0) } ?? .null),
                                                ("id", id.keyProviderId.map { .string($0) } ?? .null)])))
        } else { pairs.append(("key_provider", .null)) }
        pairs.append(("os_image_hash_event", opt(id.osImageHash)))
        pairs.append(("storage_fs", id.storageFS.map { .string($0) } ?? .null))
        pairs.append(("init_script_hashes", .array(id.initScriptHashes.map { .hex($0) })))
        if let g = id.gpuPolicyHash { pairs.append(("gpu_policy_hash", .hex(g))) }
        pairs.append(("boot_events", .strings(id.bootEvents.map(\.name))))
        pairs.append(("system_ready", .bool(id.systemReady)))
        pairs.append(("application_events", .array(id.appEvents.map {
            .obj([("event", .string($0.name)), ("payload", .hex($0.payload))])
        })))
        var s = "app-id \(id.appId?.hex ?? "-"), compose-hash \(id.composeHash.map { String($0.hex.prefix(16)) + "…" } ?? "-")"
        if let n = id.keyProviderName { s += ", key-provider \(n)" }
        if !id.systemReady { s += "; no system-ready event (boot not finished when quoted)" }
        if !id.appEvents.isEmpty { s += "; \(id.appEvents.count) application-controlled event(s) after system-ready" }
        let impostors = id.impersonatingAppEvents
        if !impostors.isEmpty {
            pairs.append(("app_emitted_identity_names", .strings(impostors)))
            s += "; app-emitted \(impostors.joined(separator: ", ")) after system-ready IGNORED (identity comes only from the boot sequence)"
        }
        return impostors.isEmpty ? .info("app.identity", s, .obj(pairs)) : .warn("app.identity", s, .obj(pairs))
    }

    static func composeHashCheck(_ ev: DstackEvidence, _ id: AppIdentity?) -> Check {
        guard let raw = ev.appCompose else {
            return .notApplicable("compose.hash", "no app-compose supplied (--app-compose FILE or Info tcb_info.app_compose): the compose hash cannot be tied to a configuration")
        }
        let h = ComposeHash.raw(raw)
        var pairs: [(String, JSONValue)] = [("source", .string(ev.appComposeSource ?? "")), ("bytes", .int(raw.count)),
                                            ("sha256", .hex(h))]
        if let canon = sdkCanonicalHash(raw), canon != h { pairs.append(("sdk_canonical_sha256", .hex(canon))) }
        guard let event = id?.composeHash else {
            pairs.append(("event", .null))
            return .skip("compose.hash", "no compose-hash event in the event log to compare sha256(app-compose) with", .obj(pairs))
        }
        pairs.append(("event", .hex(event)))
        if bytesEqual(h, event) {
            return .pass("compose.hash", "sha256(app-compose, \(raw.count) raw bytes) = compose-hash event \(h.hex.prefix(16))…", .obj(pairs))
        }
        return .fail("compose.hash", "sha256(app-compose) \(h.hex.prefix(16))… ≠ compose-hash event \(event.hex.prefix(16))…: this is not the configuration that booted", .obj(pairs))
    }

    /// The SDK canonical-form hash of an app-compose (nil when it is not a JSON object with a runner).
    static func sdkCanonicalHash(_ raw: Bytes) -> Bytes? {
        guard let v = try? JSONParser.parse(raw) else { return nil }
        return try? ComposeHash.canonicalSDKHash(v)
    }

    static func configIdCheck(_ regs: QuoteRegisters, _ id: AppIdentity?) -> Check {
        let cid = regs.mrConfigId
        var pairs: [(String, JSONValue)] = [("mr_config_id", .hex(cid))]
        switch MrConfigId.decode(cid) {
        case .zero:
            pairs.append(("version", .null))
            return .info("compose.mr_config_id", "MRCONFIGID is all zero (legacy): the app binding rests on RTMR3 alone", .obj(pairs))
        case .v1(let ch):
            pairs.append(("version", .int(1))); pairs.append(("compose_hash", .hex(ch)))
            guard MrConfigId.tailIsZero(cid) else { return .fail("compose.mr_config_id", "MRCONFIGID v1 has non-zero bytes after the compose hash", .obj(pairs)) }
            guard let ev = id?.composeHash else {
                return .skip("compose.mr_config_id", "MRCONFIGID v1 names compose hash \(ch.hex.prefix(16))…; no compose-hash event to compare", .obj(pairs))
            }
            if bytesEqual(ch, ev) { return .pass("compose.mr_config_id", "MRCONFIGID v1 = 0x01 ‖ compose-hash event \(ch.hex.prefix(16))…", .obj(pairs)) }
            return .fail("compose.mr_config_id", "MRCONFIGID v1 compose hash \(ch.hex.prefix(16))… ≠ compose-hash event \(ev.hex.prefix(16))…", .obj(pairs))
        case .v2(let dg):
            pairs.append(("version", .int(2))); pairs.append(("digest", .hex(dg)))
            guard MrConfigId.tailIsZero(cid) else { return .fail("compose.mr_config_id", "MRCONFIGID v2 has non-zero trailing bytes", .obj(pairs)) }
            guard let id, let ch = id.composeHash, let app = id.appId, let kind = id.keyProviderKind else {
                return .skip("compose.mr_config_id", "MRCONFIGID v2 needs compose-hash, app-id and key-provider events to recompute", .obj(pairs))
            }
            let kpid: Bytes = (id.keyProviderId.flatMap { $0.isEmpty ? [] : try? Hex.decode($0) }) ?? []
            let want = MrConfigId.v2Digest(composeHash: ch, appId: app, keyProviderKind: kind, keyProviderId: kpid)
            pairs.append(("recomputed", .hex(want)))
            if bytesEqual(want, dg) { return .pass("compose.mr_config_id", "MRCONFIGID v2 = keccak256(compose hash ‖ app id ‖ key provider) of the booted app", .obj(pairs)) }
            return .fail("compose.mr_config_id", "MRCONFIGID v2 does not match keccak256(compose hash ‖ app id ‖ key provider) from the event log", .obj(pairs))
        case .v3(let dh):
            pairs.append(("version", .int(3))); pairs.append(("document_hash", .hex(dh)))
            return .notApplicable("compose.mr_config_id", "MRCONFIGID v3 binds a MrConfigV3 document that the evidence does not carry; cannot recompute (the app binding rests on RTMR3)", .obj(pairs))
        case .unknown(let b):
            return .fail("compose.mr_config_id", "MRCONFIGID has unknown version byte 0x\(String(b, radix: 16))", .obj(pairs))
        }
    }

    static func ratlsCheck(_ ev: DstackEvidence, _ regs: QuoteRegisters) -> Check {
        // Only a certificate whose quote IS the quote the DCAP checks verified is bound by verified evidence; another
        // certificate's own quote (e.g. the KMS CA's) is checked for consistency but verified nowhere in this run.
        var rows = [JSONValue](), failures = [String](), checked = 0, verifiedBound = 0
        for (i, c) in ev.certs.enumerated() {
            var q: Bytes? = c.quote
            if q == nil, let a = c.attestation { q = try? DstackAttestation.decode(a).quote }
            var row: [(String, JSONValue)] = [("index", .int(i)), ("subject", .string(c.subject)), ("issuer", .string(c.issuer)),
                                              ("spki_sha256", .hex(Digest.sha256(c.spkiDER)))]
            if let u = c.usage { row.append(("usage", .string(u))) }
            if let a = c.appId { row.append(("app_id", .hex(a))) }
            row.append(("oids", .strings(c.extensions.keys.sorted())))
            // Chain shape only (informational): who signed it. Trust in the chain's root is not evaluated here.
            if i + 1 < ev.certs.count { row.append(("signed_by_next", .bool(c.x509.isSignedBy(ev.certs[i + 1].x509)))) }
            else { row.append(("self_signed", .bool(c.x509.isSignedBy(c.x509)))) }
            if let q {
                checked += 1
                guard let qq = try? Quote.parse(q), let qr = try? QuoteRegisters(qq) else {
                    failures.append("cert #\(i) (\(c.subject)) carries an unparsable quote")
                    rows.append(.obj(row)); continue
                }
                let want = c.expectedReportData
                let ok = bytesEqual(want, qr.reportData)
                row.append(("expected_report_data", .hex(want))); row.append(("quote_report_data", .hex(qr.reportData)))
                row.append(("match", .bool(ok)))
                let isVerified = ev.quote.map { bytesEqual($0, q) } ?? false
                row.append(("quote_is_the_verified_quote", .bool(isVerified)))
                if ok && isVerified { verifiedBound += 1 }
                if !ok { failures.append("cert #\(i) (\(c.subject)): quote report_data ≠ sha512(\"ratls-cert:\" ‖ SPKI) — the key is not the one the TD quoted") }
            }
            rows.append(.obj(row))
        }
        let d: JSONValue = .obj([("certificates", .array(rows))])
        if checked == 0 {
            return .fail("ratls.binding", "no certificate carries a dstack quote or attestation (OIDs 1.3.6.1.4.1.62397.1.1 / .1.8)", d)
        }
        if let f = failures.first { return .fail("ratls.binding", f, d) }
        if verifiedBound == 0 {
            return .skip("ratls.binding", "no certificate carries the quote this run verified: their own quotes are not DCAP-verified here (attest each certificate on its own)", d)
        }
        let others = checked - verifiedBound
        return .pass("ratls.binding", "\(verifiedBound) RA-TLS certificate(s) bound by the verified quote: report_data = sha512(\"ratls-cert:\" ‖ SubjectPublicKeyInfo)"
                     + (others > 0 ? "; \(others) other certificate(s) carry their own quote, consistent but NOT DCAP-verified in this run" : ""), d)
    }

    static func reportDataCheck(_ ev: DstackEvidence, _ regs: QuoteRegisters, _ bindings: [ReportDataBinding], _ files: [String: Bytes]) -> Check {
        var rows = [JSONValue](), failures = [String]()
        if let oracle = ev.oracle {
            let js = oracle.statementJSON
            let h = oracle.statementHash.hex
            let hashOK = oracle.reportDataHash.lowercased() == h
            let ascii = Array(oracle.reportDataHash.utf8)
            let quoteOK = bytesEqual(ascii + Bytes(repeating: 0, count: max(0, 64 - ascii.count)), regs.reportData) && ascii.count <= 64
            rows.append(.obj([("profile", .string("oracle: hexascii-sha256(JSON.stringify(statement))")),
                              ("statement_json", .string(js)), ("statement_sha256", .string(h)),
                              ("reportDataHash", .string(oracle.reportDataHash)), ("reportDataHash_matches_statement", .bool(hashOK)),
                              ("quote_report_data", .hex(regs.reportData)), ("quote_matches_reportDataHash", .bool(quoteOK))]))
            if !hashOK { failures.append("reportDataHash ≠ sha256(JSON.stringify(statement)) = \(h.prefix(16))…: the statement was changed after it was hashed") }
            if !quoteOK { failures.append("quote report_data ≠ ASCII(reportDataHash): the quote was not made for this statement") }
        }
        for b in bindings {
            let want = b.expected(file: b.path.flatMap { files[$0] })
            let ok = bytesEqual(want, regs.reportData)
            rows.append(.obj([("profile", .string(b.label)), ("expected", .hex(want)), ("quote", .hex(regs.reportData)), ("match", .bool(ok))]))
            if !ok { failures.append("report_data ≠ \(b.label)") }
        }
        let d: JSONValue = .obj([("report_data", .hex(regs.reportData)), ("bindings", .array(rows))])
        if rows.isEmpty {
            var s = "no expected report_data given (--bind): the quote's report_data is not tied to a challenge or key"
            if let req = ev.requestedReportData { s += "; the response says it was requested with \(req.hex.prefix(16))…" }
            return .notApplicable("report_data.binding", s, d)
        }
        if let f = failures.first { return .fail("report_data.binding", f, d) }
        return .pass("report_data.binding", "report_data matches \(rows.count) binding(s)", d)
    }
}
