import DevProofCore
import TDX

/// Maps the DCAP verifier's stages onto the report's checks, with two rules of the trust contract:
///
/// 1. **Bad collateral is the source's fault, not the quote's.** Collateral that does not verify to the
///    trusted root, is outside its validity window at `--now`, or is TCB info for another FMSPC makes
///    the affected checks `skip` (required → inconclusive, exit 3) with a summary naming the source and
///    what to do (refetch, `--now`, `--collateral`). Only a quote that fails against collateral that
///    verified is a `fail` (exit 1). This holds for a `--collateral FILE` too: collateral is Intel's
///    statement about the platform, not the evidence's claim.
/// 2. **No check passes on an input another check rejected.** `quote.signature` needs a PCK key that
///    `quote.pck_chain` accepted; `qe.identity` needs signed QE identity collateral and a QE report that
///    verified; `tcb.status` needs the PCK chain, signed collateral, the QE identity and a matching FMSPC;
///    `td.attributes` needs a quote whose signature verified. A dependent check that would have passed
///    (or that judged untrusted collateral) is a skip naming the dependency.
enum AttestDCAPChecks {
    static func checks(_ r: DCAPResult, quote: Quote, options o: AttestOptions) -> [Check] {
        let source = CollateralSource.origin(o)
        let rootName = o.rootCAPath == nil ? "pinned Intel SGX Root CA" : "given root CA"
        func stageDetails(_ stages: [DCAPStage], _ extra: [(String, JSONValue)] = []) -> JSONValue {
            .obj(stages.map { s in
                let v: JSONValue
                switch r.outcome(s) {
                case .pass: v = .string("pass")
                case .fail(let m, _): v = .string("fail: \(m)")
                case .skipped(let m): v = .string("skip: \(m)")
                }
                return (s.rawValue, v)
            } + extra)
        }
        func fails(_ stages: [DCAPStage], kind: DCAPFailureKind? = nil) -> [String] {
            stages.compactMap { s in
                if case .fail(let m, let k) = r.outcome(s), kind == nil || k == kind { return m }
                return nil
            }
        }
        /// pass when all pass; fail listing failures; skip when something could not run.
        func combined(_ id: String, _ stages: [DCAPStage], pass: String, extra: [(String, JSONValue)] = []) -> Check {
            let d = stageDetails(stages, extra)
            let f = fails(stages)
            if !f.isEmpty { return .fail(id, f.joined(separator: "; "), d) }
            let skips = stages.compactMap { s -> String? in if case .skipped(let m) = r.outcome(s) { return m }; return nil }
            if !skips.isEmpty { return .skip(id, "not checked: " + skips.joined(separator: "; "), d) }
            return .pass(id, pass, d)
        }
        let advice = "the collateral source served bad collateral — refetch it, or give a good --collateral FILE"

        // collateral.signatures: signature/issuer failures of the collateral documents (not their dates).
        let collStages: [DCAPStage] = [.rootCRL, .tcbInfo, .qeIdentity]
        var signatures = combined("collateral.signatures", collStages,
                                  pass: "root CA CRL, TCB info and QE identity verify to the \(rootName) (exact signed bytes, issuer chains with CRLs)")
        let badSig = fails(collStages, kind: .invalid)
        if !badSig.isEmpty {
            signatures = .skip("collateral.signatures", "collateral from \(source) does not verify to the \(rootName): \(badSig.joined(separator: "; ")); \(advice)", signatures.details)
        } else if signatures.status == .fail {
            // Only time-window failures: a chain judged outside its window was not verified, so no pass here
            // (collateral.validity names the window and the remedy).
            signatures = .skip("collateral.signatures", "not evaluated at \(TimeInput.format(o.now)): a collateral chain or CRL is outside its validity window (see collateral.validity)", signatures.details)
        }

        // collateral.validity: every time window (collateral, CRLs, certificates) at --now.
        var expired = fails([.collateralDates, .rootCRL, .tcbInfo, .qeIdentity, .pckChain], kind: .expired)
        if case .fail(let m, .invalid) = r.outcome(.collateralDates) { expired.append(m) }
        var vdetails: [(String, JSONValue)] = [("now", .string(TimeInput.format(o.now)))]
        if let t = r.tcbInfo { vdetails += [("tcb_info_issue_date", .string(t.issueDateText)), ("tcb_info_next_update", .string(t.nextUpdateText))] }
        if let q = r.qeIdentity { vdetails += [("qe_identity_issue_date", .string(q.issueDateText)), ("qe_identity_next_update", .string(q.nextUpdateText))] }
        if let f = r.validFrom, let u = r.validUntil { vdetails += [("valid_from", .string(TimeInput.format(f))), ("valid_until", .string(TimeInput.format(u)))] }
        let validity: Check
        if !expired.isEmpty {
            validity = .skip("collateral.validity", "collateral from \(source) is not valid at \(TimeInput.format(o.now)): " + expired.joined(separator: "; ")
                             + "; refetch current collateral, evaluate at a time it was valid (--now), or give --collateral FILE", .obj(vdetails))
        } else if r.outcome(.collateralDates).isPass {
            validity = .pass("collateral.validity", "collateral, CRLs and certificates valid at \(TimeInput.format(o.now))" +
                             (r.validUntil.map { " (until \(TimeInput.format($0)))" } ?? ""), .obj(vdetails))
        } else {
            validity = .skip("collateral.validity", "not checked: " + (r.outcome(.collateralDates).message ?? ""), .obj(vdetails))
        }

        var pckExtra: [(String, JSONValue)] = []
        if let leaf = r.pckLeaf { pckExtra += [("leaf_subject", .string(leaf.subject)), ("leaf_issuer", .string(leaf.issuer))] }
        if let x = r.pckExtension { pckExtra += [("fmspc", .string(x.fmspc.hex.uppercased())), ("pce_id", .string(x.pceID.hex)), ("pce_svn", .int(x.pceSVN)), ("cpu_svn", .string(x.cpuSVN.hex))] }
        var pck = combined("quote.pck_chain", [.pckChain],
                           pass: "PCK certificate chains to the \(rootName) with both CRLs, not revoked", extra: pckExtra)
        if case .fail(let m, .expired) = r.outcome(.pckChain) {
            pck = .skip("quote.pck_chain", "not evaluated at \(TimeInput.format(o.now)): \(m) (see collateral.validity)", pck.details)
        } else if signatures.status != .pass && (pck.status == .pass || r.pckFailureFromCRL) {
            // The PCK CRL and root CRL come from the collateral: revocation was judged with CRLs that did not verify.
            // (A chain that does not reach the root is the quote's own fault and stays a fail.)
            pck = .skip("quote.pck_chain", "not evaluated: depends on collateral.signatures (its CRLs), which did not pass", pck.details)
        }

        var qeExtra: [(String, JSONValue)] = [("qe_isv_svn", .int(quote.signatureData.qeReport.isvSVN))]
        if let v = r.qeVerdict { qeExtra.append(("qe_tcb_status", .string(v.status.rawValue))) }

        // quote.signature: the attestation key's signature and its binding are the quote's own evidence
        // (a failure is a fail whatever the PCK); the QE report signature needs a trusted PCK key.
        var signature = combined("quote.signature", [.qeReportSignature, .qeBinding, .quoteSignature],
                                 pass: "QE report signed by the PCK key, binds the attestation key, which signs the quote")
        if fails([.qeBinding, .quoteSignature]).isEmpty { signature = gate(signature, on: [pck], always: true) }

        var qe = combined("qe.identity", [.qeIdentityMatch], pass: "the Quoting Enclave matches Intel's QE identity", extra: qeExtra)
        qe = gate(qe, on: [signatures, validity, signature], always: true)

        var tcb = tcbStatusCheck(r, o)
        if let t = r.tcbInfo, let x = r.pckExtension, t.fmspc.lowercased() != x.fmspc.hex {
            tcb = .skip("tcb.status", "collateral from \(source) is TCB info for FMSPC \(t.fmspc.uppercased()), but the quote's PCK certificate names FMSPC \(x.fmspc.hex.uppercased()); refetch collateral for this platform or give a matching --collateral FILE", tcb.details)
        } else {
            tcb = gate(tcb, on: [pck, signatures, validity, qe], always: true)
        }
        let attributes = gate(attributesCheck(r, quote, o), on: [signature], always: false)
        return [signatures, validity, pck, signature, qe, tcb, attributes]
    }

    /// A check whose input another check did not accept: with `always`, it becomes a skip naming the
    /// dependency (its verdict would rest on rejected input); otherwise only a would-be pass/warn does
    /// (a fail on the check's own evidence stands).
    static func gate(_ c: Check, on deps: [Check], always: Bool) -> Check {
        guard let dep = deps.first(where: { $0.status != .pass }) else { return c }
        if c.status == .fail && !always { return c }
        if c.status == .skip { return c }
        // The dependency's own row says why; repeating its summary would nest reasons.
        let how = dep.status == .fail ? "failed" : dep.status == .skip ? "was skipped" : "did not pass (\(dep.status.rawValue))"
        return .skip(c.id, "not evaluated: depends on \(dep.id), which \(how)", c.details)
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
}
