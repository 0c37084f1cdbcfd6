import DevProofCore
import Dstack
import TDX

/// DCAP verification of a bare quote (`devproof attest --quote`).
///
/// Checks (docs/checks.md, section dcap): quote.structure, quote.trailing_bytes, collateral.signatures,
/// collateral.validity, quote.pck_chain, quote.signature, qe.identity, tcb.status, td.attributes.
public enum AttestQuote {
    public static func run(_ o: AttestOptions) throws -> Report {
        guard let path = o.quotePath else { throw DevProofError.usage("attest needs --quote FILE") }
        let quote = try Quote.load(fileBytes: InputFile.read(path, what: "quote", limit: InputFile.Limit.quote))
        var report = Report(command: "attest")
        var (checks, facts) = try dcapChecks(quote: quote, options: o)
        checks += try referenceChecks(quote: quote, dcap: checks, dcapFacts: facts, options: o)
        if quote.tdReport != nil { facts += deviceFacts(deviceIDs(quote: quote, dcap: checks, dcapFacts: facts)) }
        report.checks = checks
        report.facts = facts
        if let b = optOutBanner(o) { report.banners.append(b) }
        return report
    }

    /// The one banner of an opt-out, the same in every mode (quote, evidence, and every command reusing the
    /// pipeline). The DCAP checks are then required skips: the verdict is inconclusive (exit 3), never pass.
    public static func optOutBanner(_ o: AttestOptions) -> String? {
        if o.simulator { return "NOT VERIFIED: --simulator: the Intel DCAP chain (quote signature, PCK chain, TCB status) is not checked; the verdict cannot be pass" }
        if o.noDCAP { return "NOT VERIFIED: --no-dcap: the Intel DCAP chain (quote signature, PCK chain, TCB status) is not checked; the verdict cannot be pass" }
        return nil
    }

    /// `attest --quote` with reference values: `--os-ref` (os.measurement) and the register/device references.
    /// Identity references need an event log (rejected up front by `AttestMode`); an SGX quote has no TD registers.
    static func referenceChecks(quote: Quote, dcap: [Check], dcapFacts: [JSONMember], options o: AttestOptions) throws -> [Check] {
        let refs = o.references
        let wantsRegisters = refs.os != nil || !refs.mrConfigId.isEmpty || refs.mrTD != nil || refs.rtmr.contains { $0 != nil }
            || refs.reportData != nil || !refs.deviceId.isEmpty
        guard let regs = try? QuoteRegisters(quote) else {
            if wantsRegisters { throw DevProofError.usage("--os-ref and the --expect-* references compare TD values; this is an SGX quote") }
            return []
        }
        var out = [Check]()
        if let os = refs.os { out.append(AttestEvidence.compareOS(os, regs, how: "auditor's OS reference (--os-ref / policy)", id: "os.measurement")) }
        let device = deviceIDs(quote: quote, dcap: dcap, dcapFacts: dcapFacts)
        out += AttestReferenceChecks.checks(refs, regs: regs, identity: nil, replay: nil, device: device,
                                            quoteSignature: dcap.first { $0.id == "quote.signature" })
        return out
    }

    /// Both device id definitions (see `DeviceIDs`), each trusted only when the check guarding its source passed.
    static func deviceIDs(quote: Quote, dcap: [Check], dcapFacts: [JSONMember]) -> DeviceIDs {
        func passed(_ id: String) -> Bool { dcap.first { $0.id == id }?.status == .pass }
        var ppidHash: Bytes?
        if let ppid = dcapFacts.first(where: { $0.key == "ppid" })?.value.stringValue, let b = try? Hex.decode(ppid), !b.isEmpty {
            ppidHash = Digest.sha256(b)
        }
        return DeviceIDs(ppidHash: ppidHash, ppidTrusted: passed("quote.pck_chain"),
                         qeUserDataHash: Digest.sha256(quote.header.userData), qeUserDataTrusted: passed("quote.signature"))
    }

    static func deviceFacts(_ d: DeviceIDs) -> [JSONMember] {
        [JSONMember("device_id_qe_user_data", .hex(d.qeUserDataHash))]
    }

    /// Everything of `attest --quote` except reading the quote file: quote structure, DCAP verification
    /// against the collateral from `CollateralSource`, the TCB / debug policy of `options`, and facts.
    /// Throws (exit 2) only for unreadable or malformed inputs (collateral file, --root-ca).
    public static func dcapChecks(quote: Quote, options o: AttestOptions) throws -> (checks: [Check], facts: [JSONMember]) {
        for st in o.allowedTCBStatuses where TCBStatus(rawValue: st) == nil {
            throw DevProofError.usage("unknown TCB status '\(st)' in --allow-tcb-status (one of: \(TCBStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var checks = [Check]()
        var facts = quoteFacts(quote)

        // quote.structure: what parsing established, plus the header rules.
        let header = DCAPVerifier.headerCheck(quote, DCAPOptions(intelRules: o.intelRules))
        let structure: JSONValue = .obj([
            ("version", .int(quote.version)), ("tee_type", .string(quote.teeType.rawValue)),
            ("body", .string(bodyName(quote))), ("signed_length", .int(quote.signedLength)),
            ("quote_length", .int(quote.quoteLength)), ("trailing_bytes", .int(quote.trailingByteCount)),
            ("attestation_key_type", .int(quote.header.attestationKeyType)),
            ("certification_data_type", .int(quote.signatureData.certType)),
        ])
        if case .fail(let m, _) = header {
            checks.append(.fail("quote.structure", "quote header rejected: \(m)", structure))
        } else {
            checks.append(.pass("quote.structure", "v\(quote.version) \(quote.teeType.rawValue.uppercased()) quote, \(bodyName(quote)) body, \(quote.quoteLength) bytes", structure))
        }
        if quote.trailingByteCount > 0 {
            if quote.hasNonZeroTrailingBytes {
                checks.append(.warn("quote.trailing_bytes", "\(quote.trailingByteCount) bytes after the quote, some non-zero: they are not signed and were ignored",
                                    .obj([("count", .int(quote.trailingByteCount))])))
            } else {
                checks.append(.info("quote.trailing_bytes", "\(quote.trailingByteCount) zero padding bytes after the quote (ignored; dstack quotes carry them)",
                                    .obj([("count", .int(quote.trailingByteCount))])))
            }
        }

        let dcapIDs = ["collateral.signatures", "collateral.validity", "quote.pck_chain", "quote.signature",
                       "qe.identity", "tcb.status", "td.attributes"]
        if o.simulator || o.noDCAP {
            let why = o.simulator ? "not verified (--simulator): simulator evidence has no Intel DCAP chain to check"
                                  : "not verified (--no-dcap): quote signature, PCK chain and TCB status NOT checked"
            for id in dcapIDs { checks.append(.skip(id, why)) }
            facts.append(JSONMember("dcap", .string(o.simulator ? "simulator" : "skipped")))
            return (checks, facts)
        }

        let cache = o.collateralCache
        let root = try cache?.root(o.rootCAPath) ?? IntelRootCA.load(overridePath: o.rootCAPath)
        facts.append(JSONMember("root_ca", .obj([
            ("pinned_intel", .bool(o.rootCAPath == nil)), ("subject", .string(root.subject)),
            ("spki_sha256", .string(Digest.sha256(root.spkiDER).hex)),
        ])))
        facts.append(JSONMember("collateral_source", .string(CollateralSource.origin(o))))
        let fetched: (QuoteCollateral, digest: String?)?
        do {
            // In a batch, the shared cache reads/fetches the collateral once per source (AttestCollateralCache).
            if let cache { fetched = try cache.collateral(quote: quote, options: o, root: root).map { ($0.0, $0.digest) } } else {
                fetched = try CollateralSource.resolve(quote: quote, options: o, trustedRoot: root).map { ($0, nil) }
            }
        } catch DevProofError.unavailable(let why) {
            // Unreachable PCCS: required skips with the reason (inconclusive), never pass.
            for id in dcapIDs { checks.append(.skip(id, why)) }
            return (checks, facts)
        }
        guard let (collateral, digest) = fetched else {
            let why = CollateralSource.missingReason(o)
            for id in dcapIDs { checks.append(.skip(id, why)) }
            return (checks, facts)
        }
        let vc: VerifiedCollateral
        if let cache, let digest {
            vc = cache.verified(collateral, digest: digest, quote: quote, root: root, now: o.now)
        } else {
            vc = VerifiedCollateral(collateral: collateral, root: root)
        }
        let r = DCAPVerifier.verify(quote: quote, verified: vc, now: o.now,
                                    options: DCAPOptions(intelRules: o.intelRules, allowDebug: o.allowDebug))
        checks += AttestDCAPChecks.checks(r, quote: quote, options: o)
        facts += resultFacts(r, o)
        return (checks, facts)
    }

    // MARK: - Facts

    static func bodyName(_ q: Quote) -> String {
        switch q.body {
        case .sgx: return "SGX enclave report"
        case .td10: return "TD report 1.0"
        case .td15: return "TD report 1.5"
        }
    }

    static func quoteFacts(_ q: Quote) -> [JSONMember] {
        var f: [(String, JSONValue)] = [("tee_type", .string(q.teeType.rawValue)), ("version", .int(q.version))]
        if let td = q.tdReport {
            f += [("mr_td", .hex(td.mrTD))]
            for (i, r) in td.rtmrs.enumerated() { f.append(("rtmr\(i)", .hex(r))) }
            f += [("mr_config_id", .hex(td.mrConfigID)), ("mr_owner", .hex(td.mrOwner)), ("mr_owner_config", .hex(td.mrOwnerConfig)),
                  ("mr_seam", .hex(td.mrSeam)), ("tee_tcb_svn", .hex(td.teeTCBSVN)), ("td_attributes", .hex(td.tdAttributes)),
                  ("xfam", .hex(td.xfam))]
            if let s = td.mrServiceTD { f.append(("mr_service_td", .hex(s))) }
        }
        if let e = q.enclaveReport {
            f += [("mr_enclave", .hex(e.mrEnclave)), ("mr_signer", .hex(e.mrSigner)), ("isv_prod_id", .int(e.isvProdID)),
                  ("isv_svn", .int(e.isvSVN)), ("attributes", .hex(e.attributes))]
        }
        f.append(("report_data", .hex(q.reportData)))
        return f.map { JSONMember($0.0, $0.1) }
    }

    static func resultFacts(_ r: DCAPResult, _ o: AttestOptions) -> [JSONMember] {
        var f: [(String, JSONValue)] = []
        if let x = r.pckExtension {
            f += [("fmspc", .string(x.fmspc.hex.uppercased())), ("ppid", .hex(x.ppid)), ("device_id", .hex(x.deviceID))]
        }
        f.append(("tcb_status", r.verdict.map { .string($0.status.rawValue) } ?? .null))
        f.append(("advisory_ids", .strings(r.verdict?.advisoryIDs ?? [])))
        f.append(("dcap_accepted", .bool(r.accepted)))
        if let e = r.firstError { f.append(("dcap_error", .string(e))) }
        f.append(("rules", .string(o.intelRules ? "intel-qvl" : "dcap-qvl-0.7")))
        if let u = r.validUntil { f.append(("collateral_valid_until", .string(TimeInput.format(u)))) }
        return f.map { JSONMember($0.0, $0.1) }
    }
}
