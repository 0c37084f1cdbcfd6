import DevProofCore
import Foundation

public enum DCAPVerifier {
    /// dcap-qvl's order of checks, used to name the first error.
    public static let dcapQVLOrder: [DCAPStage] = [
        .rootCRL, .quoteHeader, .collateralDates, .tcbInfo, .qeIdentity, .pckChain, .qeReportSignature,
        .qeBinding, .qeIdentityMatch, .quoteSignature, .platformTCB, .tcbStatus, .attributes,
    ]

    /// One-shot verification (no cache reuse across calls).
    public static func verify(quote: Quote, collateral: QuoteCollateral, now: Int64, rootCA: X509Certificate?,
                              intelRules: Bool) -> DCAPResult {
        guard let root = rootCA ?? IntelRootCA.certificate else {
            var r = DCAPResult(); r.set(.rootCRL, .fail("no root CA", .invalid)); return r
        }
        return verify(quote: quote, verified: VerifiedCollateral(collateral: collateral, root: root), now: now,
                      options: DCAPOptions(intelRules: intelRules))
    }

    /// Verifies a quote against pre-verified collateral at unix time `now`.
    public static func verify(quote: Quote, verified vc: VerifiedCollateral, now: Int64, options: DCAPOptions = DCAPOptions()) -> DCAPResult {
        var r = DCAPResult()
        let sig = quote.signatureData
        var windows: [(Int64, Int64)] = []

        // Root CA against its CRL; both CRLs must parse.
        switch (vc.rootCRL, vc.pckCRL) {
        case (.failure(let e), _), (_, .failure(let e)): r.set(.rootCRL, .fail(e.message, e.kind))
        case (.success(let crl), _):
            // webpki's check_single_cert_crl(root): the root CRL (signature checked at init) must not list
            // the root and must not be expired; the root itself must be valid at `now`.
            let next = crl.nextUpdate ?? Int64.min
            if vc.rootRevoked {
                r.set(.rootCRL, .fail("root CA is revoked by the root CA CRL", .invalid))
            } else if now >= next {
                r.set(.rootCRL, .fail("root CA CRL has expired (nextUpdate \(TimeInput.format(next)))", .expired))
            } else if now < vc.root.notBefore || now > vc.root.notAfter {
                r.set(.rootCRL, .fail("root CA certificate is not valid at \(TimeInput.format(now))", .expired))
            } else {
                r.set(.rootCRL, .pass)
                windows.append((vc.root.notBefore, min(vc.root.notAfter, next - 1)))
            }
        }

        // Header.
        r.set(.quoteHeader, headerCheck(quote, options))

        // TCB info and QE identity: dates, chains, signatures.
        var dates = [String]()
        var datesExpiredOnly = true
        if case .success(let t) = vc.tcbInfo {
            r.tcbInfo = t
            windows.append((t.issueDate, t.nextUpdate))
            if now < t.issueDate { dates.append("TCBInfo issue date is in the future (\(t.issueDateText))") }
            if now > t.nextUpdate { dates.append("TCBInfo expired (nextUpdate \(t.nextUpdateText))") }
        }
        if case .success(let q) = vc.qeIdentity {
            r.qeIdentity = q
            windows.append((q.issueDate, q.nextUpdate))
            if now < q.issueDate { dates.append("QE Identity issue date is in the future (\(q.issueDateText))") }
            if now > q.nextUpdate { dates.append("QE Identity expired (nextUpdate \(q.nextUpdateText))") }
        }
        if case .failure = vc.tcbInfo { datesExpiredOnly = false }
        if case .failure = vc.qeIdentity { datesExpiredOnly = false }
        if !dates.isEmpty { r.set(.collateralDates, .fail(dates.joined(separator: "; "), .expired)) } else if datesExpiredOnly {
            r.set(.collateralDates, .pass)
        } else {
            r.set(.collateralDates, .skipped("TCB info or QE identity does not decode"))
        }

        r.set(.tcbInfo, signedCollateralCheck(vc, vc.tcbInfo.map { _ in () }, vc.tcbChain, vc.tcbInfoSignatureValid,
                                              key: vc.tcbChainKey, what: "tcb_info", now: now, windows: &windows))
        var qeOutcome = signedCollateralCheck(vc, vc.qeIdentity.map { _ in () }, vc.qeChain, vc.qeIdentitySignatureValid,
                                              key: vc.qeChainKey, what: "qe_identity", now: now, windows: &windows)
        if qeOutcome.isPass, case .success(let q) = vc.qeIdentity {
            let (wantID, versions) = quote.teeType == .sgx ? ("QE", [2]) : ("TD_QE", [2, 3])
            if q.id != wantID || !versions.contains(q.version) {
                qeOutcome = .fail("Unsupported QE Identity id/version for the quote TEE type: \(q.id) version \(q.version) (expected \(wantID) version \(versions))", .invalid)
            }
        }
        r.set(.qeIdentity, qeOutcome)

        // PCK chain.
        var pck: VerifiedCollateral.PCKEntry?
        let pem: Bytes?
        if let c = vc.collateral.pckCertificateChain { pem = Array(c.utf8) } else if sig.certType == 5 { pem = sig.certData } else { pem = nil }
        if let pem {
            let pemDigest = Digest.sha256(pem)
            switch vc.pckEntry(pem, digest: pemDigest) {
            case .failure(let e): r.set(.pckChain, .fail(e.message, e.kind))
            case .success(let e):
                pck = e
                r.pckLeaf = e.leaf
                let chainKey = "pck:" + pemDigest.hex
                switch vc.verifyChain(key: chainKey, e.certs, at: now) {
                case .failure(let err): r.set(.pckChain, .fail("PCK \(err.message)", err.kind)); r.pckFailureFromCRL = err.crlRelated
                case .success(let c):
                    windows.append((c.validFrom, c.validUntil))
                    switch e.ext {
                    case .failure(let err): r.set(.pckChain, .fail(err.message, .invalid))
                    case .success: r.set(.pckChain, .pass)
                    }
                }
                if case .success(let x) = e.ext { r.pckExtension = x }
            }
        } else {
            r.set(.pckChain, .fail("Unsupported DCAP PCK cert format: \(sig.certType) (only type 5, a PEM chain in the quote, or a chain in the collateral)", .invalid))
        }

        // QE report signature by the PCK key (checked whenever the leaf parsed, so the report is precise).
        if let key = pck?.key {
            r.set(.qeReportSignature, key.isValidSignature(raw: sig.qeReportSignature, message: sig.qeReport.raw)
                  ? .pass : .fail("Signature is invalid for qe_report in quote", .invalid))
        } else {
            r.set(.qeReportSignature, .skipped("no PCK leaf key"))
        }

        // QE report data binds the attestation key.
        if !options.intelRules && sig.qeAuthData.count != 32 {
            r.set(.qeBinding, .fail("Invalid QE auth data length \(sig.qeAuthData.count) (expected 32)", .invalid))
        } else {
            let h = Digest.sha256(sig.attestationKey + sig.qeAuthData)
            r.set(.qeBinding, bytesEqual(h, Array(sig.qeReport.reportData.prefix(32)))
                  ? .pass : .fail("QE report hash mismatch", .invalid))
        }

        // Quote signature by the attestation key.
        if let ak = vc.attestationKey(sig.attestationKey) {
            r.set(.quoteSignature, ak.isValidSignature(raw: sig.signature, message: quote.signedRegion)
                  ? .pass : .fail("ISV enclave report signature is invalid", .invalid))
        } else {
            r.set(.quoteSignature, .fail("ISV enclave report signature is invalid (attestation key is not a P-256 point)", .invalid))
        }

        // QE identity match.
        if case .success(let q) = vc.qeIdentity {
            switch qeIdentityMatch(sig.qeReport, q) {
            case .success(let v): r.qeVerdict = v; r.set(.qeIdentityMatch, .pass)
            case .failure(let e): r.set(.qeIdentityMatch, .fail(e.message, .invalid))
            }
        } else {
            r.set(.qeIdentityMatch, .skipped("QE identity does not decode"))
        }

        // Platform TCB.
        if case .success(let t) = vc.tcbInfo, let ext = r.pckExtension {
            switch platformTCB(t, quote, ext, options) {
            case .success(let (platform, module)):
                r.platformVerdict = platform; r.moduleVerdict = module; r.set(.platformTCB, .pass)
            case .failure(let e): r.set(.platformTCB, .fail(e.message, .invalid))
            }
        } else {
            r.set(.platformTCB, .skipped(r.pckExtension == nil ? "no PCK certificate extension" : "TCB info does not decode"))
        }

        // Final status.
        if let p = r.platformVerdict, let q = r.qeVerdict {
            let v = p.converged(q)
            r.verdict = v
            r.set(.tcbStatus, v.status == .revoked ? .fail("TCB status is invalid: Revoked", .invalid) : .pass)
        } else {
            r.set(.tcbStatus, .skipped("platform or QE TCB level unknown"))
        }

        r.set(.attributes, attributesCheck(quote, options))

        if !windows.isEmpty {
            r.validFrom = windows.map(\.0).max()
            r.validUntil = windows.map(\.1).min()
        }
        // Stable stage order for reports.
        r.stages.sort { a, b in
            (DCAPStage.allCases.firstIndex(of: a.stage) ?? 0) < (DCAPStage.allCases.firstIndex(of: b.stage) ?? 0)
        }
        return r
    }

    // MARK: - Stages

    public static func headerCheck(_ q: Quote, _ o: DCAPOptions) -> DCAPOutcome {
        let h = q.header
        guard h.qeVendorID == QuoteHeader.intelQEVendorID else { return .fail("Unknown QE vendor ID \(h.qeVendorID.hex)", .invalid) }
        switch q.teeType {
        case .sgx where h.version != 3: return .fail("SGX TEE quote must have version 3", .invalid)
        case .tdx where h.version != 4 && h.version != 5: return .fail("TDX TEE quote must have version 4 or 5", .invalid)
        default: break
        }
        guard h.attestationKeyType == 2 else { return .fail("Unsupported DCAP attestation key type \(h.attestationKeyType)", .invalid) }
        if let d = q.bodyDescriptor {
            let expected: Int
            switch q.body {
            case .sgx: expected = EnclaveReport.size
            case .td10: expected = TDReport.size10
            case .td15: expected = TDReport.size15
            }
            if Int(d.size) != expected { return .fail("Invalid body size: v5 body size \(d.size) does not match body type \(d.type) (\(expected))", .invalid) }
        }
        if o.intelRules, let t = q.signatureData.outerCertType, t != 6 {
            return .fail("certification data type \(t), expected 6 (QE report certification data) [intel-rules]", .invalid)
        }
        return .pass
    }

    static func signedCollateralCheck(_ vc: VerifiedCollateral, _ decoded: Result<Void, VerifiedCollateral.StageError>,
                                      _ chain: Result<[X509Certificate], VerifiedCollateral.StageError>, _ sigValid: Bool,
                                      key: String, what: String, now: Int64, windows: inout [(Int64, Int64)]) -> DCAPOutcome {
        if case .failure(let e) = decoded { return .fail(e.message, .invalid) }
        guard case .success(let certs) = chain else {
            if case .failure(let e) = chain { return .fail(e.message, .invalid) }
            return .fail("no issuer chain", .invalid)
        }
        var failure: DCAPOutcome?
        switch vc.verifyChain(key: key, certs, at: now) {
        case .success(let c): windows.append((c.validFrom, c.validUntil))
        case .failure(let e): failure = .fail("\(what) issuer \(e.message)", e.kind)
        }
        if !sigValid { return .fail("Signature is invalid for \(what) in quote_collateral", .invalid) }
        return failure ?? .pass
    }

    typealias StageError = VerifiedCollateral.StageError

    static func qeIdentityMatch(_ qe: EnclaveReport, _ id: QEIdentity) -> Result<TCBVerdict, StageError> {
        if qe.mrSigner != id.mrSigner { return .failure(StageError("QE MRSIGNER mismatch: expected \(id.mrSigner.hex), got \(qe.mrSigner.hex)")) }
        if qe.isDebug { return .failure(StageError("QE report validation failed: Debug mode is enabled")) }
        if qe.isvProdID != id.isvProdID { return .failure(StageError("QE ISVPRODID mismatch: expected \(id.isvProdID), got \(qe.isvProdID)")) }
        func le32(_ b: Bytes) -> UInt32 { b.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) } }
        let mask = le32(id.miscSelectMask)
        if qe.miscSelect & mask != le32(id.miscSelect) & mask {
            return .failure(StageError("QE MISCSELECT mismatch"))
        }
        let attrs = qe.attributes
        for i in 0..<16 where attrs[i] & id.attributesMask[i] != id.attributes[i] & id.attributesMask[i] {
            return .failure(StageError("QE ATTRIBUTES mismatch at byte \(i)"))
        }
        for l in id.levels where qe.isvSVN >= l.isvSVN {
            guard TCBStatus.qeLevelStatuses.contains(l.verdict.status) else {
                return .failure(StageError("Unrecognized TCB status \(l.verdict.status.rawValue) in QE Identity"))
            }
            return .success(l.verdict)
        }
        if let last = id.levels.last { return .failure(StageError("QE ISVSVN \(qe.isvSVN) is below minimum required \(last.isvSVN) from QE Identity")) }
        return .failure(StageError("No TCB levels found in QE Identity"))
    }

    /// Platform TCB: FMSPC, TCB info kind, level matching, TDX module identity, TD 1.5 relaunch evaluation.
    /// Returns (platform status incl. module, module status).
    static func platformTCB(_ t: TCBInfo, _ q: Quote, _ pck: PCKExtension, _ o: DCAPOptions)
        -> Result<(TCBVerdict, TCBVerdict?), StageError> {
        guard let fm = try? Hex.decode(t.fmspc) else { return .failure(StageError("Failed to decode TCB FMSPC")) }
        if fm != pck.fmspc { return .failure(StageError("Fmspc mismatch: TCB info \(t.fmspc.uppercased()), PCK \(pck.fmspc.hex.uppercased())")) }
        if o.intelRules, (try? Hex.decode(t.pceID)) != pck.pceID {
            return .failure(StageError("PCEID mismatch: TCB info \(t.pceID), PCK \(pck.pceID.hex) [intel-rules]"))
        }
        switch q.teeType {
        case .tdx where t.version < 3 || t.id != "TDX": return .failure(StageError("TDX quote with non-TDX TCB info in the collateral"))
        case .sgx where t.version < 2 || t.id != "SGX": return .failure(StageError("SGX quote with non-SGX TCB info in the collateral"))
        default: break
        }
        guard let td = q.tdReport else {
            return matchLevel(t, pck, teeTCBSVN: nil).map { ($0.verdict, nil) }
        }
        let launch: (TCBVerdict, TCBVerdict?)
        switch evaluateTDX(t, pck, td, svn: td.teeTCBSVN, o) {
        case .failure(let e): return .failure(e)
        case .success(let v): launch = v
        }
        // TD 1.5: evaluate the current TDX module (TEE_TCB_SVN2) too; relaunching may be advised.
        guard let svn2 = td.teeTCBSVN2 else { return .success(launch) }
        let current: TCBVerdict
        switch evaluateTDX(t, pck, td, svn: svn2, o) {
        case .failure(let e): return .failure(StageError("Failed to evaluate the current TDX TCB (TEE_TCB_SVN2): \(e.message)"))
        case .success(let v): current = v.0
        }
        var v = launch.0
        let outdated: Set<TCBStatus> = [.outOfDate, .outOfDateConfigurationNeeded]
        if current.status == .revoked {
            v.status = .revoked
        } else if outdated.contains(v.status) && !outdated.contains(current.status) {
            let config = v.status == .outOfDateConfigurationNeeded
                || current.status == .configurationNeeded || current.status == .configurationAndSWHardeningNeeded
            v.status = config ? .tdRelaunchAdvisedConfigurationNeeded : .tdRelaunchAdvised
        }
        return .success((v, launch.1))
    }

    /// One TDX evaluation for a given TEE_TCB_SVN: platform level, module identity, converged.
    static func evaluateTDX(_ t: TCBInfo, _ pck: PCKExtension, _ td: TDReport, svn: Bytes, _ o: DCAPOptions)
        -> Result<(TCBVerdict, TCBVerdict?), StageError> {
        let level: TCBInfo.Level
        switch matchLevel(t, pck, teeTCBSVN: svn) {
        case .failure(let e): return .failure(e)
        case .success(let l): level = l
        }
        switch tdxModule(t, td, svn: svn, o) {
        case .failure(let e): return .failure(e)
        case .success(let m):
            return .success((m.map { level.verdict.converged($0) } ?? level.verdict, m))
        }
    }

    /// The first level (canonical order) the platform meets. TDX components are compared from index 2
    /// when the module major version (TEE_TCB_SVN[1]) is non-zero, as Intel QVL and dcap-qvl 0.7 do.
    static func matchLevel(_ t: TCBInfo, _ pck: PCKExtension, teeTCBSVN svn: Bytes?) -> Result<TCBInfo.Level, StageError> {
        for level in t.levels {
            if pck.pceSVN < level.pceSVN { continue }
            if level.sgxComponents.count != pck.cpuSVN.count {
                return .failure(StageError("SGX component count mismatch: expected \(pck.cpuSVN.count), got \(level.sgxComponents.count)"))
            }
            if zip(pck.cpuSVN, level.sgxComponents).contains(where: { $0 < $1 }) { continue }
            if let svn {
                if level.tdxComponents.count != svn.count {
                    return .failure(StageError("TDX component count mismatch: expected \(svn.count), got \(level.tdxComponents.count)"))
                }
                let start = svn[1] > 0 ? 2 : 0
                if (start..<16).contains(where: { svn[$0] < level.tdxComponents[$0] }) { continue }
            }
            guard TCBStatus.platformLevelStatuses.contains(level.verdict.status) else {
                return .failure(StageError("Unrecognized TCB status \(level.verdict.status.rawValue) in TCB Info"))
            }
            return .success(level)
        }
        return .failure(StageError("No matching TCB level found"))
    }

    static func tdxModule(_ t: TCBInfo, _ td: TDReport, svn: Bytes, _ o: DCAPOptions) -> Result<TCBVerdict?, StageError> {
        guard t.id == "TDX", t.version >= 3 else { return .success(nil) }
        let isvsvn = svn[0], ver = svn[1]
        guard let base = t.tdxModule else { return .failure(StageError("TDX TCB Info is missing tdxModule field")) }
        var m = base
        var levels: [TCBInfo.ModuleLevel]?
        if ver > 0 {
            let want = String(format: "TDX_%02X", ver)
            guard let ident = t.tdxModuleIdentities.first(where: { $0.id.uppercased() == want }) else {
                return .failure(StageError("TDX module TCB level check: No TDX module identity with id \(want) found in TCB Info"))
            }
            m = ident.module
            levels = ident.levels
        }
        func fixed(_ s: String, _ n: Int) -> Bytes? { (try? Hex.decode(s)).flatMap { $0.count == n ? $0 : nil } }
        guard let signer = fixed(m.mrSigner, 48), let attrs = fixed(m.attributes, 8), let mask = fixed(m.attributesMask, 8) else {
            return .failure(StageError("TDX module identity check: malformed mrsigner/attributes/attributesMask"))
        }
        if td.mrSignerSeam != signer {
            return .failure(StageError("TDX module identity check: TDX module MRSIGNER mismatch: expected \(signer.hex), got \(td.mrSignerSeam.hex)"))
        }
        let seam = td.seamAttributes
        if o.intelRules && !seam.isAllZero { return .failure(StageError("TDX module identity check: SEAMATTRIBUTES must be zero [intel-rules]")) }
        for i in 0..<8 {
            if seam[i] & mask[i] != attrs[i] & mask[i] {
                return .failure(StageError("TDX module identity check: TDX module SEAMATTRIBUTES mismatch at byte \(i)"))
            }
            if seam[i] & ~mask[i] != 0 {
                return .failure(StageError("TDX module identity check: TDX module SEAMATTRIBUTES has bits set outside mask at byte \(i)"))
            }
        }
        guard let levels else { return .success(nil) }
        for l in levels where isvsvn >= l.isvSVN {
            guard TCBStatus.moduleLevelStatuses.contains(l.verdict.status) else {
                return .failure(StageError("TDX module TCB level check: Unrecognized TCB status \(l.verdict.status.rawValue) in TDX module identity"))
            }
            return .success(l.verdict)
        }
        return .failure(StageError("TDX module TCB level check: TDX module ISVSVN \(isvsvn) is below minimum required from TDX module TCB levels"))
    }

    /// TD attributes as dcap-qvl 0.7 checks them (bit numbers of the little-endian u64):
    /// 0 DEBUG (unless allowed); 1-3, 7, 8-15, 23-26, 32-61 reserved; 4-6 profiling; 17 SERVTD_EXT;
    /// 28 SEPT_VE_DISABLE required; 29 MIGRATABLE rejected; 16, 18-22, 27, 30, 31, 62, 63 allowed.
    static func attributesCheck(_ q: Quote, _ o: DCAPOptions) -> DCAPOutcome {
        switch q.body {
        case .sgx(let r):
            return r.isDebug && !o.allowDebug ? .fail("Debug mode is enabled", .invalid) : .pass
        case .td10(let td), .td15(let td):
            if let s = td.mrServiceTD, !s.isAllZero, !o.allowServiceTD { return .fail("Invalid MR service TD (non-zero MRSERVICETD)", .invalid) }
            let a = td.tdAttributesValue
            func bits(_ r: ClosedRange<Int>) -> UInt64 { r.reduce(0) { $0 | (1 << UInt64($1)) } }
            let reserved = bits(1...3) | bits(7...7) | bits(8...15) | bits(23...26) | bits(32...61)
            if a & reserved != 0 { return .fail("Reserved bits in TD attributes are set", .invalid) }
            if a & 1 != 0 && !o.allowDebug { return .fail("Debug mode is enabled", .invalid) }
            if a & bits(4...6) != 0 { return .fail("TD profiling is enabled", .invalid) }
            if a & (1 << 17) != 0 { return .fail("SERVTD_EXT is enabled", .invalid) }
            if a & (1 << 28) == 0 { return .fail("SEPT_VE_DISABLE is not enabled", .invalid) }
            if a & (1 << 29) != 0 { return .fail("TD migration is enabled", .invalid) }
            return .pass
        }
    }
}
