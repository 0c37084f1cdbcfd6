import DevProofCore
import TDX

/// DCAP verification of a bare quote (`devproof attest --quote`).
///
/// Checks (docs/checks.md, section dcap): quote.structure, quote.trailing_bytes, collateral.signatures,
/// collateral.validity, quote.pck_chain, quote.signature, qe.identity, tcb.status, td.attributes.
public enum AttestQuote {
    public static func run(_ o: AttestOptions) throws -> Report {
        guard let path = o.quotePath else { throw DevProofError.usage("attest needs --quote FILE") }
        let quote = try Quote.load(fileBytes: InputFile.read(path, what: "quote"))
        var report = Report(command: "attest")
        let (checks, facts) = try dcapChecks(quote: quote, options: o)
        report.checks = checks
        report.facts = facts
        if o.simulator { report.banners.append("SIMULATOR MODE: the Intel DCAP chain is not checked") }
        if o.noDCAP { report.banners.append("DCAP CHECKS SKIPPED (--no-dcap): nothing about the hardware is verified") }
        return report
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
            let why = o.simulator ? "simulator mode: no Intel DCAP chain to verify" : "skipped by --no-dcap"
            for id in dcapIDs { checks.append(.skip(id, why)) }
            facts.append(JSONMember("dcap", .string(o.simulator ? "simulator" : "skipped")))
            return (checks, facts)
        }

        let root = try IntelRootCA.load(overridePath: o.rootCAPath)
        facts.append(JSONMember("root_ca", .obj([
            ("pinned_intel", .bool(o.rootCAPath == nil)), ("subject", .string(root.subject)),
            ("spki_sha256", .string(Digest.sha256(root.spkiDER).hex)),
        ])))
        facts.append(JSONMember("collateral_source", .string(CollateralSource.origin(o))))
        let fetched: QuoteCollateral?
        do { fetched = try CollateralSource.resolve(quote: quote, options: o) } catch DevProofError.unavailable(let why) {
            // Unreachable PCCS: required skips with the reason (inconclusive), never pass.
            for id in dcapIDs { checks.append(.skip(id, why)) }
            return (checks, facts)
        }
        guard let collateral = fetched else {
            let why = CollateralSource.missingReason(o)
            for id in dcapIDs { checks.append(.skip(id, why)) }
            return (checks, facts)
        }
        let vc = VerifiedCollateral(collateral: collateral, root: root)
        let r = DCAPVerifier.verify(quote: quote, verified: vc, now: o.now,
                                    options: DCAPOptions(intelRules: o.intelRules, allowDebug: o.allowDebug))
        checks += report(r, quote: quote, options: o)
        facts += resultFacts(r, o)
        return (checks, facts)
    }

    // MARK: - Mapping stages to checks

    static func report(_ r: DCAPResult, quote: Quote, options o: AttestOptions) -> [Check] {
        var out = [Check]()
        func stageDetails(_ stages: [DCAPStage]) -> JSONValue {
            .obj(stages.map { s in
                let v: JSONValue
                switch r.outcome(s) {
                case .pass: v = .string("pass")
                case .fail(let m, _): v = .string("fail: \(m)")
                case .skipped(let m): v = .string("skip: \(m)")
                }
                return (s.rawValue, v)
            })
        }
        /// pass when all pass; fail listing failures; skip when something could not run.
        func combined(_ id: String, _ stages: [DCAPStage], pass: String, extra: [(String, JSONValue)] = []) -> Check {
            var details = stageDetails(stages)
            if case .object(var m) = details { m += extra.map { JSONMember($0.0, $0.1) }; details = .object(m) }
            let fails = stages.compactMap { s -> String? in if case .fail(let m, _) = r.outcome(s) { return m }; return nil }
            if !fails.isEmpty { return .fail(id, fails.joined(separator: "; "), details) }
            let skips = stages.compactMap { s -> String? in if case .skipped(let m) = r.outcome(s) { return m }; return nil }
            if !skips.isEmpty { return .skip(id, "not checked: " + skips.joined(separator: "; "), details) }
            return .pass(id, pass, details)
        }

        out.append(combined("collateral.signatures", [.rootCRL, .tcbInfo, .qeIdentity],
                            pass: "root CA CRL, TCB info and QE identity verify to the \(o.rootCAPath == nil ? "pinned Intel SGX Root CA" : "given root CA") (exact signed bytes, issuer chains with CRLs)"))

        // collateral.validity: the time windows, separately from signatures.
        var expired = [String]()
        if case .fail(let m, _) = r.outcome(.collateralDates) { expired.append(m) }
        for s in [DCAPStage.rootCRL, .tcbInfo, .qeIdentity, .pckChain] {
            if case .fail(let m, .expired) = r.outcome(s) { expired.append(m) }
        }
        var vdetails: [(String, JSONValue)] = [("now", .string(TimeInput.format(o.now)))]
        if let t = r.tcbInfo { vdetails += [("tcb_info_issue_date", .string(t.issueDateText)), ("tcb_info_next_update", .string(t.nextUpdateText))] }
        if let q = r.qeIdentity { vdetails += [("qe_identity_issue_date", .string(q.issueDateText)), ("qe_identity_next_update", .string(q.nextUpdateText))] }
        if let f = r.validFrom, let u = r.validUntil { vdetails += [("valid_from", .string(TimeInput.format(f))), ("valid_until", .string(TimeInput.format(u)))] }
        if !expired.isEmpty {
            out.append(.fail("collateral.validity", "outside the validity window at \(TimeInput.format(o.now)): " + expired.joined(separator: "; "), .obj(vdetails)))
        } else if r.outcome(.collateralDates).isPass {
            out.append(.pass("collateral.validity", "collateral, CRLs and certificates valid at \(TimeInput.format(o.now))" +
                             (r.validUntil.map { " (until \(TimeInput.format($0)))" } ?? ""), .obj(vdetails)))
        } else {
            out.append(.skip("collateral.validity", "not checked: " + (r.outcome(.collateralDates).message ?? ""), .obj(vdetails)))
        }

        var pckExtra: [(String, JSONValue)] = []
        if let leaf = r.pckLeaf { pckExtra += [("leaf_subject", .string(leaf.subject)), ("leaf_issuer", .string(leaf.issuer))] }
        if let x = r.pckExtension { pckExtra += [("fmspc", .string(x.fmspc.hex.uppercased())), ("pce_id", .string(x.pceID.hex)), ("pce_svn", .int(x.pceSVN)), ("cpu_svn", .string(x.cpuSVN.hex))] }
        out.append(combined("quote.pck_chain", [.pckChain],
                            pass: "PCK certificate chains to the \(o.rootCAPath == nil ? "pinned Intel SGX Root CA" : "given root CA") with both CRLs, not revoked", extra: pckExtra))

        out.append(combined("quote.signature", [.qeReportSignature, .qeBinding, .quoteSignature],
                            pass: "QE report signed by the PCK key, binds the attestation key, which signs the quote"))

        var qeExtra: [(String, JSONValue)] = [("qe_isv_svn", .int(quote.signatureData.qeReport.isvSVN))]
        if let v = r.qeVerdict { qeExtra.append(("qe_tcb_status", .string(v.status.rawValue))) }
        out.append(combined("qe.identity", [.qeIdentityMatch], pass: "the Quoting Enclave matches Intel's QE identity", extra: qeExtra))

        out.append(tcbStatusCheck(r, o))
        out.append(attributesCheck(r, quote, o))
        return out
    }

    static func tcbStatusCheck(_ r: DCAPResult, _ o: AttestOptions) -> Check {
        var d: [(String, JSONValue)] = []
        if let v = r.verdict { d += [("status", .string(v.status.rawValue)), ("advisory_ids", .strings(v.advisoryIDs))] }
        if let v = r.platformVerdict { d.append(("platform", .obj([("status", .string(v.status.rawValue)), ("advisory_ids", .strings(v.advisoryIDs))]))) }
        if let v = r.moduleVerdict { d.append(("tdx_module", .obj([("status", .string(v.status.rawValue)), ("advisory_ids", .strings(v.advisoryIDs))]))) }
        if let v = r.qeVerdict { d.append(("qe", .obj([("status", .string(v.status.rawValue)), ("advisory_ids", .strings(v.advisoryIDs))]))) }
        d += [("allowed_statuses", .strings(o.allowedTCBStatuses)), ("allowed_advisories", .strings(o.allowedAdvisories))]
        if let t = r.tcbInfo { d.append(("tcb_evaluation_data_number", .int(t.tcbEvaluationDataNumber))) }
        if case .fail(let m, _) = r.outcome(.platformTCB) { return .fail("tcb.status", "TCB level: \(m)", .obj(d)) }
        guard let v = r.verdict else {
            let why = [r.outcome(.platformTCB), r.outcome(.qeIdentityMatch)].compactMap(\.message).joined(separator: "; ")
            return .skip("tcb.status", "TCB status unknown: \(why)", .obj(d))
        }
        if v.status == .revoked { return .fail("tcb.status", "TCB status Revoked", .obj(d)) }
        let advisories = v.advisoryIDs.isEmpty ? "" : " (\(v.advisoryIDs.joined(separator: ", ")))"
        guard o.allowedTCBStatuses.contains(v.status.rawValue) else {
            return .fail("tcb.status", "TCB status \(v.status.rawValue)\(advisories) is not allowed by policy (allowed: \(o.allowedTCBStatuses.joined(separator: ", ")); --allow-tcb-status)", .obj(d))
        }
        let notAllowed = v.advisoryIDs.filter { !o.allowedAdvisories.contains($0) }
        if !notAllowed.isEmpty {
            return .fail("tcb.status", "TCB status \(v.status.rawValue) with advisories not allowed by policy: \(notAllowed.joined(separator: ", ")) (--allow-advisory)", .obj(d))
        }
        return .pass("tcb.status", "TCB status \(v.status.rawValue)\(advisories), allowed by policy", .obj(d))
    }

    static func attributesCheck(_ r: DCAPResult, _ q: Quote, _ o: AttestOptions) -> Check {
        var d: [(String, JSONValue)] = []
        let debug: Bool
        if let td = q.tdReport {
            d += [("td_attributes", .string(td.tdAttributes.hex)), ("debug", .bool(td.isDebug)),
                  ("sept_ve_disable", .bool(td.tdAttributesValue & (1 << 28) != 0)),
                  ("mr_signer_seam", .string(td.mrSignerSeam.hex))]
            if let s = td.mrServiceTD { d.append(("mr_service_td", .string(s.hex))) }
            debug = td.isDebug
        } else if let e = q.enclaveReport {
            d += [("attributes", .string(e.attributes.hex)), ("debug", .bool(e.isDebug))]
            debug = e.isDebug
        } else { debug = false }
        if case .fail(let m, _) = r.outcome(.attributes) {
            return .fail("td.attributes", m + (m.contains("Debug") ? " (a debug TD's memory is readable by the host; --allow-debug for tests only)" : ""), .obj(d))
        }
        if debug && o.allowDebug {
            return .warn("td.attributes", "DEBUG is set and accepted by --allow-debug: the host can read this \(q.teeType == .tdx ? "TD" : "enclave")'s memory", .obj(d))
        }
        return .pass("td.attributes", q.teeType == .tdx ? "production TD: debug off, SEPT_VE_DISABLE on, no reserved or migration bits" : "production enclave: debug off", .obj(d))
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
