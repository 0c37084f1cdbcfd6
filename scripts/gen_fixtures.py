#!/usr/bin/env python3
"""Deterministic generator of devproof's own test evidence (Fixtures/).

Everything here is signed by the project's own TEST PKI ("devproof TEST Root CA - not Intel"), never by Intel:
a DCAP-shaped test root CA, PCK CAs, PCK leaves with the SGX extension, a TCB signing cert, CRLs, signed TCB info
and QE identity, TDX/SGX quotes, and dstack evidence bound to those quotes.

Determinism: every private key is derived from a fixed label (sha256 of "devproof-fixtures/v1/<label>"), every
date is fixed, every ECDSA signature is RFC 6979 deterministic, JSON we create is written with sorted keys.
Running the generator twice writes byte-identical files.

Oracle: each DCAP case is verified with dcap-qvl (PyPI, pinned 0.7.0) against the test root; the generator fails
when dcap-qvl disagrees with the intended outcome, and records what dcap-qvl said in the manifest.

Usage: python scripts/gen_fixtures.py <out-dir>      (make fixtures: out-dir = Fixtures)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

SEED_PREFIX = b"devproof-fixtures/v1/"
DCAP_QVL_VERSION = "0.7.0"

# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def sha384(b: bytes) -> bytes:
    return hashlib.sha384(b).digest()


def sha512(b: bytes) -> bytes:
    return hashlib.sha512(b).digest()


def label_bytes(label: str, n: int) -> bytes:
    """n deterministic pseudo-random bytes for a label (for measurement values, PPIDs, ...)."""
    out = b""
    i = 0
    while len(out) < n:
        out += sha512(SEED_PREFIX + label.encode() + b"#" + str(i).encode())
        i += 1
    return out[:n]


def utc(y, m, d, hh=0, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=dt.timezone.utc)


def rfc3339(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def unix(t: dt.datetime) -> int:
    return int(t.timestamp())


def dumps_sorted(obj) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def compact(obj) -> str:
    """Compact JSON in insertion order (how Intel PCS publishes TCB info / QE identity)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def p256_key(label: str) -> ec.EllipticCurvePrivateKey:
    d = int.from_bytes(sha256(SEED_PREFIX + b"key/" + label.encode()), "big") % (P256_N - 1) + 1
    return ec.derive_private_key(d, ec.SECP256R1())


def raw_pub(key: ec.EllipticCurvePrivateKey) -> bytes:
    """64-byte x||y (DCAP attestation key form)."""
    pt = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return pt[1:]


def sign_raw(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Deterministic (RFC 6979) ECDSA-P256-SHA256, raw 64-byte r||s."""
    der = key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def serial_for(label: str) -> int:
    return int.from_bytes(sha256(SEED_PREFIX + b"serial/" + label.encode())[:16], "big") | (1 << 120)


# ---------------------------------------------------------------------------------------------------------------
# Minimal DER encoder (for the Intel SGX extension 1.2.840.113741.1.13.1)


def der_tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(nb)]) + nb
    return bytes([tag]) + ln + content


def der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(enc))
    return der_tlv(0x06, body)


def der_int(v: int) -> bytes:
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")  # keeps a leading 0 when the high bit is set
    while len(b) > 1 and b[0] == 0 and b[1] < 0x80:
        b = b[1:]
    return der_tlv(0x02, b)


def der_read_octets(b: bytes) -> bytes:
    """Content of a single DER OCTET STRING (the whole input)."""
    assert b[0] == 0x04
    n, off = b[1], 2
    if n & 0x80:
        k = n & 0x7F
        n, off = int.from_bytes(b[2:2 + k], "big"), 2 + k
    assert off + n == len(b)
    return b[off:off + n]


def der_seq(*items: bytes) -> bytes:
    return der_tlv(0x30, b"".join(items))


def der_octets(b: bytes) -> bytes:
    return der_tlv(0x04, b)


def der_enum(v: int) -> bytes:
    return der_tlv(0x0A, bytes([v]))


def der_bool(v: bool) -> bytes:
    return der_tlv(0x01, b"\xff" if v else b"\x00")


SGX_EXT_OID = "1.2.840.113741.1.13.1"


@dataclass
class PckPlatform:
    """What an Intel PCK leaf certifies about a platform (SGX extension values)."""
    fmspc: bytes  # 6
    cpusvn: bytes  # 16; also the 16 SGX TCB component SVNs (.2.1 .. .2.16)
    pcesvn: int
    pceid: bytes = b"\x00\x00"
    sgx_type: int = 1  # 0 Standard, 1 Scalable, 2 Scalable with integrity
    ppid: bytes = b""
    platform_instance_id: bytes | None = None  # Platform-CA leaves only
    configuration: tuple[bool, bool, bool] | None = None  # dynamicPlatform, cachedKeys, SMTEnabled


def sgx_extension_value(p: PckPlatform) -> bytes:
    o = SGX_EXT_OID
    comps = [der_seq(der_oid(f"{o}.2.{i + 1}"), der_int(p.cpusvn[i])) for i in range(16)]
    comps.append(der_seq(der_oid(f"{o}.2.17"), der_int(p.pcesvn)))
    comps.append(der_seq(der_oid(f"{o}.2.18"), der_octets(p.cpusvn)))
    items = [
        der_seq(der_oid(f"{o}.1"), der_octets(p.ppid)),
        der_seq(der_oid(f"{o}.2"), der_seq(*comps)),
        der_seq(der_oid(f"{o}.3"), der_octets(p.pceid)),
        der_seq(der_oid(f"{o}.4"), der_octets(p.fmspc)),
        der_seq(der_oid(f"{o}.5"), der_enum(p.sgx_type)),
    ]
    if p.platform_instance_id is not None:
        items.append(der_seq(der_oid(f"{o}.6"), der_octets(p.platform_instance_id)))
    if p.configuration is not None:
        dyn, cached, smt = p.configuration
        items.append(der_seq(der_oid(f"{o}.7"), der_seq(
            der_seq(der_oid(f"{o}.7.1"), der_bool(dyn)),
            der_seq(der_oid(f"{o}.7.2"), der_bool(cached)),
            der_seq(der_oid(f"{o}.7.3"), der_bool(smt)))))
    return der_seq(*items)


# ---------------------------------------------------------------------------------------------------------------
# Test PKI (shaped like Intel's SGX PCS PKI; names say TEST and "not Intel")

O_NAME = "devproof TEST PKI (not Intel)"
CERT_NOT_BEFORE = utc(2025, 1, 1)


def dn(cn: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, O_NAME),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "XX"),
    ])


@dataclass
class Cert:
    label: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def name(self) -> x509.Name:
        return self.cert.subject


def make_cert(label: str, subject: x509.Name, issuer: Cert | None, *, ca: bool, path_len: int | None,
              not_before: dt.datetime, not_after: dt.datetime, crl_url: str | None,
              extra: list[x509.ExtensionType] = ()) -> Cert:
    key = p256_key(label)
    issuer_key = issuer.key if issuer else key
    issuer_name = issuer.name if issuer else subject
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key())
         .serial_number(serial_for(label))
         .not_valid_before(not_before).not_valid_after(not_after))
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if ca:
        ku = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                           data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                           encipher_only=False, decipher_only=False)
    else:
        ku = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                           data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                           encipher_only=False, decipher_only=False)
    b = b.add_extension(ku, critical=True)
    b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
    for e in extra:
        b = b.add_extension(e, critical=False)
    cert = b.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)
    return Cert(label, key, cert)


def make_crl(issuer: Cert, this_update: dt.datetime, next_update: dt.datetime, number: int,
             revoked: list[tuple[int, dt.datetime]] = ()) -> bytes:
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(issuer.name)
         .last_update(this_update).next_update(next_update)
         .add_extension(x509.CRLNumber(number), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False))
    for serial, when in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build())
    return b.sign(issuer.key, hashes.SHA256(), ecdsa_deterministic=True).public_bytes(serialization.Encoding.DER)


class Pki:
    """The whole TEST PKI. Built once, deterministically."""

    def __init__(self):
        far = utc(2049, 12, 31, 23, 59, 59)
        base = "https://devproof.invalid/test-pki"
        self.root = make_cert("root-ca", dn("devproof TEST Root CA \u2014 not Intel"), None, ca=True, path_len=1,
                              not_before=CERT_NOT_BEFORE, not_after=far, crl_url=f"{base}/rootcacrl")
        self.platform_ca = make_cert("pck-platform-ca", dn("devproof TEST PCK Platform CA \u2014 not Intel"),
                                     self.root, ca=True, path_len=0, not_before=CERT_NOT_BEFORE,
                                     not_after=utc(2040, 1, 1), crl_url=f"{base}/rootcacrl")
        self.processor_ca = make_cert("pck-processor-ca", dn("devproof TEST PCK Processor CA \u2014 not Intel"),
                                      self.root, ca=True, path_len=0, not_before=CERT_NOT_BEFORE,
                                      not_after=utc(2040, 1, 1), crl_url=f"{base}/rootcacrl")
        self.tcb_signing = make_cert("tcb-signing", dn("devproof TEST TCB Signing \u2014 not Intel"), self.root,
                                     ca=False, path_len=None, not_before=utc(2025, 6, 1),
                                     not_after=utc(2032, 6, 1), crl_url=f"{base}/rootcacrl")
        self._base = base
        self.leaves: dict[str, Cert] = {}

    def pck_leaf(self, label: str, platform: PckPlatform, issuer: Cert, not_before: dt.datetime = utc(2025, 6, 1),
                 not_after: dt.datetime = utc(2032, 6, 1)) -> Cert:
        ca = "platform" if issuer is self.platform_ca else "processor"
        c = make_cert(label, dn("devproof TEST PCK Certificate \u2014 not Intel"), issuer, ca=False, path_len=None,
                      not_before=not_before, not_after=not_after,
                      crl_url=f"{self._base}/pckcrl?ca={ca}&encoding=der",
                      extra=[x509.UnrecognizedExtension(x509.ObjectIdentifier(SGX_EXT_OID),
                                                        sgx_extension_value(platform))])
        self.leaves[label] = c
        return c


# ---------------------------------------------------------------------------------------------------------------
# DCAP quotes (layouts: spec/dcap.md section 1)

INTEL_QE_VENDOR_ID = bytes.fromhex("939A7233F79C4CA9940A0DB3957F0607")
TEE_SGX, TEE_TDX = 0x00000000, 0x00000081
QE_AUTH_DATA = bytes(range(32))

# td_attributes (8 bytes, little-endian u64)
TD_ATTR_DEBUG = 1 << 0
TD_ATTR_SEPT_VE_DISABLE = 1 << 28


@dataclass
class SgxReportBody:  # 384 bytes; also the QE report layout
    cpu_svn: bytes = bytes(16)
    misc_select: int = 0
    attributes: bytes = bytes(16)
    mr_enclave: bytes = bytes(32)
    mr_signer: bytes = bytes(32)
    isv_prod_id: int = 0
    isv_svn: int = 0
    report_data: bytes = bytes(64)

    def encode(self) -> bytes:
        b = (self.cpu_svn + struct.pack("<I", self.misc_select) + bytes(28) + self.attributes + self.mr_enclave
             + bytes(32) + self.mr_signer + bytes(96) + struct.pack("<HH", self.isv_prod_id, self.isv_svn)
             + bytes(60) + self.report_data)
        assert len(b) == 384, len(b)
        return b


@dataclass
class TdReportBody:  # 584 bytes (TD 1.0) or 648 bytes (TD 1.5)
    tee_tcb_svn: bytes = bytes(16)
    mr_seam: bytes = bytes(48)
    mr_signer_seam: bytes = bytes(48)
    seam_attributes: bytes = bytes(8)
    td_attributes: int = TD_ATTR_SEPT_VE_DISABLE
    xfam: bytes = bytes.fromhex("e702060000000000")
    mr_td: bytes = bytes(48)
    mr_config_id: bytes = bytes(48)
    mr_owner: bytes = bytes(48)
    mr_owner_config: bytes = bytes(48)
    rtmr: tuple[bytes, bytes, bytes, bytes] = (bytes(48),) * 4
    report_data: bytes = bytes(64)
    # TD 1.5 only
    tee_tcb_svn2: bytes | None = None
    mr_servicetd: bytes | None = None

    def encode(self) -> bytes:
        b = (self.tee_tcb_svn + self.mr_seam + self.mr_signer_seam + self.seam_attributes
             + struct.pack("<Q", self.td_attributes) + self.xfam + self.mr_td + self.mr_config_id + self.mr_owner
             + self.mr_owner_config + b"".join(self.rtmr) + self.report_data)
        assert len(b) == 584, len(b)
        if self.tee_tcb_svn2 is not None:
            b += self.tee_tcb_svn2 + (self.mr_servicetd or bytes(48))
            assert len(b) == 648
        return b


@dataclass
class QeSpec:
    mr_signer: bytes
    isv_prod_id: int
    isv_svn: int
    attributes: bytes
    misc_select: int = 0


def pem_chain(leaf: Cert, ca: Cert, root: Cert) -> bytes:
    # Intel's quotes carry leaf || CA || root and end with a NUL byte; parsers must tolerate it.
    return (leaf.pem + ca.pem + root.pem).encode() + b"\x00"


def make_quote(*, version: int, tee_type: int, body: bytes, pck: Cert, pck_ca: Cert, root: Cert,
               platform: PckPlatform, qe: QeSpec, att_key_label: str, qe_id: bytes,
               header_svns: tuple[int, int] = (0, 0), outer_cert_type: int = 6,
               v5_body_size: int | None = None) -> bytes:
    att_key = p256_key(att_key_label)
    att_pub = raw_pub(att_key)
    qe_svn, pce_svn = header_svns
    header = (struct.pack("<HHI", version, 2, tee_type) + struct.pack("<HH", qe_svn, pce_svn)
              + INTEL_QE_VENDOR_ID + qe_id[:16] + bytes(4))
    assert len(header) == 48
    if version == 5:
        body_type = {384: 1, 584: 2, 648: 3}[len(body)]
        size = len(body) if v5_body_size is None else v5_body_size
        signed = header + struct.pack("<HI", body_type, size) + body
    else:
        signed = header + body
    quote_sig = sign_raw(att_key, signed)

    qe_report = SgxReportBody(cpu_svn=platform.cpusvn, misc_select=qe.misc_select, attributes=qe.attributes,
                              mr_enclave=label_bytes("qe-mrenclave", 32), mr_signer=qe.mr_signer,
                              isv_prod_id=qe.isv_prod_id, isv_svn=qe.isv_svn,
                              report_data=sha256(att_pub + QE_AUTH_DATA) + bytes(32)).encode()
    qe_report_sig = sign_raw(pck.key, qe_report)
    chain = pem_chain(pck, pck_ca, root)
    if version == 3:
        sig_data = (quote_sig + att_pub + qe_report + qe_report_sig + struct.pack("<H", len(QE_AUTH_DATA))
                    + QE_AUTH_DATA + struct.pack("<HI", 5, len(chain)) + chain)
    else:
        qe_cert_data = (qe_report + qe_report_sig + struct.pack("<H", len(QE_AUTH_DATA)) + QE_AUTH_DATA
                        + struct.pack("<HI", 5, len(chain)) + chain)
        sig_data = quote_sig + att_pub + struct.pack("<HI", outer_cert_type, len(qe_cert_data)) + qe_cert_data
    return signed + struct.pack("<I", len(sig_data)) + sig_data


# ---------------------------------------------------------------------------------------------------------------
# Collateral (dcap-qvl QuoteCollateralV3 JSON; TCB info v3 and QE identity v2 shaped like Intel PCS)

NOW = utc(2026, 1, 15)  # the fixtures' "now"
ISSUE = utc(2026, 1, 1)
NEXT = utc(2026, 2, 1)
TCB_EVAL_NUMBER = 20

# Platforms
FMSPC_TDX = bytes.fromhex("DE7E57000001")
FMSPC_SGX = bytes.fromhex("DE7E57000002")
FMSPC_OTHER = bytes.fromhex("DE7E57000099")

# TDX platform TCB: current level and an older one
TDX_CPUSVN_CURRENT = bytes([4, 4, 2, 2, 3, 1, 0, 5] + [0] * 8)
TDX_CPUSVN_OLD = bytes([3, 3, 2, 2, 3, 1, 0, 5] + [0] * 8)
TDX_CPUSVN_REVOKED = bytes([1, 1, 2, 2, 3, 1, 0, 5] + [0] * 8)
TDX_CPUSVN_CONFIG = bytes([4, 3, 2, 2, 3, 1, 0, 5] + [0] * 8)  # between current and old: ConfigurationNeeded level
TDX_PCESVN = 13
TEE_TCB_SVN = bytes([3, 1, 2] + [0] * 13)  # module ISVSVN 3, module major version 1 (TDX_01), late ucode 2
SGX_CPUSVN_CURRENT = bytes([12, 12, 2, 2, 255, 1, 0, 0] + [0] * 8)
SGX_PCESVN = 13

TD_QE = QeSpec(mr_signer=label_bytes("td-qe-mrsigner", 32), isv_prod_id=2, isv_svn=4,
               attributes=bytes.fromhex("11000000000000000000000000000000"))
SGX_QE = QeSpec(mr_signer=label_bytes("sgx-qe-mrsigner", 32), isv_prod_id=1, isv_svn=8,
                attributes=bytes.fromhex("11000000000000000000000000000000"))

ADVISORIES_OLD_PLATFORM = ["TEST-SA-00001", "TEST-SA-00002"]


def comp_list(svns: bytes, kinds: dict[int, tuple[str, str | None]]) -> list[dict]:
    out = []
    for i, v in enumerate(svns):
        c = {"svn": v}
        if i in kinds:
            cat, typ = kinds[i]
            c["category"] = cat
            if typ:
                c["type"] = typ
        out.append(c)
    return out


SGX_KINDS = {0: ("BIOS", "Early Microcode Update"), 1: ("OS/VMM", "SGX Late Microcode Update"),
             2: ("OS/VMM", "TXT SINIT"), 3: ("BIOS", None), 4: ("BIOS", None), 5: ("BIOS", None),
             7: ("OS/VMM", "SEAMLDR ACM")}
TDX_KINDS = {0: ("OS/VMM", "TDX Module"), 1: ("OS/VMM", "TDX Module"), 2: ("OS/VMM", "TDX Late Microcode Update")}


def tdx_tcb_info(fmspc: bytes, issue=ISSUE, next_update=NEXT) -> dict:
    zero48 = "00" * 48
    return {
        "id": "TDX", "version": 3, "issueDate": rfc3339(issue), "nextUpdate": rfc3339(next_update),
        "fmspc": fmspc.hex().upper(), "pceId": "0000", "tcbType": 0, "tcbEvaluationDataNumber": TCB_EVAL_NUMBER,
        "tdxModule": {"mrsigner": zero48, "attributes": "0000000000000000", "attributesMask": "FFFFFFFFFFFFFFFF"},
        "tdxModuleIdentities": [
            {"id": "TDX_01", "mrsigner": zero48, "attributes": "0000000000000000",
             "attributesMask": "FFFFFFFFFFFFFFFF",
             "tcbLevels": [
                 {"tcb": {"isvsvn": 3}, "tcbDate": "2025-11-12T00:00:00Z", "tcbStatus": "UpToDate"},
                 {"tcb": {"isvsvn": 1}, "tcbDate": "2024-03-13T00:00:00Z", "tcbStatus": "OutOfDate",
                  "advisoryIDs": ["TEST-SA-00010"]}]},
        ],
        "tcbLevels": [
            {"tcb": {"sgxtcbcomponents": comp_list(TDX_CPUSVN_CURRENT, SGX_KINDS), "pcesvn": TDX_PCESVN,
                     "tdxtcbcomponents": comp_list(TEE_TCB_SVN, TDX_KINDS)},
             "tcbDate": "2025-11-12T00:00:00Z", "tcbStatus": "UpToDate"},
            {"tcb": {"sgxtcbcomponents": comp_list(TDX_CPUSVN_CONFIG, SGX_KINDS), "pcesvn": TDX_PCESVN,
                     "tdxtcbcomponents": comp_list(TEE_TCB_SVN, TDX_KINDS)},
             "tcbDate": "2025-11-12T00:00:00Z", "tcbStatus": "ConfigurationNeeded", "advisoryIDs": ["TEST-SA-00040"]},
            {"tcb": {"sgxtcbcomponents": comp_list(TDX_CPUSVN_OLD, SGX_KINDS), "pcesvn": TDX_PCESVN,
                     "tdxtcbcomponents": comp_list(bytes([1, 1, 2] + [0] * 13), TDX_KINDS)},
             "tcbDate": "2024-03-13T00:00:00Z", "tcbStatus": "OutOfDate", "advisoryIDs": ADVISORIES_OLD_PLATFORM},
            {"tcb": {"sgxtcbcomponents": comp_list(TDX_CPUSVN_REVOKED, SGX_KINDS), "pcesvn": TDX_PCESVN,
                     "tdxtcbcomponents": comp_list(bytes(16), TDX_KINDS)},
             "tcbDate": "2020-01-01T00:00:00Z", "tcbStatus": "Revoked", "advisoryIDs": ["TEST-SA-00099"]},
        ],
    }


def sgx_tcb_info(fmspc: bytes) -> dict:
    old = bytes([10, 10] + list(SGX_CPUSVN_CURRENT[2:]))
    return {
        "id": "SGX", "version": 3, "issueDate": rfc3339(ISSUE), "nextUpdate": rfc3339(NEXT),
        "fmspc": fmspc.hex().upper(), "pceId": "0000", "tcbType": 0, "tcbEvaluationDataNumber": TCB_EVAL_NUMBER,
        "tcbLevels": [
            {"tcb": {"sgxtcbcomponents": comp_list(SGX_CPUSVN_CURRENT, {}), "pcesvn": SGX_PCESVN},
             "tcbDate": "2025-11-12T00:00:00Z", "tcbStatus": "UpToDate"},
            {"tcb": {"sgxtcbcomponents": comp_list(old, {}), "pcesvn": SGX_PCESVN},
             "tcbDate": "2024-03-13T00:00:00Z", "tcbStatus": "OutOfDate", "advisoryIDs": ["TEST-SA-00020"]},
        ],
    }


def qe_identity(qe_id: str, qe: QeSpec, issue=ISSUE, next_update=NEXT) -> dict:
    return {
        "id": qe_id, "version": 2, "issueDate": rfc3339(issue), "nextUpdate": rfc3339(next_update),
        "tcbEvaluationDataNumber": TCB_EVAL_NUMBER, "miscselect": "00000000", "miscselectMask": "FFFFFFFF",
        "attributes": qe.attributes.hex().upper(), "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
        "mrsigner": qe.mr_signer.hex().upper(), "isvprodid": qe.isv_prod_id,
        "tcbLevels": [
            {"tcb": {"isvsvn": qe.isv_svn}, "tcbDate": "2025-11-12T00:00:00Z", "tcbStatus": "UpToDate"},
            {"tcb": {"isvsvn": 2}, "tcbDate": "2024-03-13T00:00:00Z", "tcbStatus": "OutOfDate",
             "advisoryIDs": ["TEST-SA-00030"]}],
    }


def collateral(pki: Pki, *, pck_ca: Cert, pck_crl: bytes, root_crl: bytes, tcb_info: dict, qe_ident: dict) -> dict:
    tcb_s = compact(tcb_info)
    qe_s = compact(qe_ident)
    tcb_chain = pki.tcb_signing.pem + pki.root.pem
    return {
        "pck_crl_issuer_chain": pck_ca.pem + pki.root.pem,
        "root_ca_crl": root_crl.hex(),
        "pck_crl": pck_crl.hex(),
        "tcb_info_issuer_chain": tcb_chain,
        "tcb_info": tcb_s,
        "tcb_info_signature": sign_raw(pki.tcb_signing.key, tcb_s.encode()).hex(),
        "qe_identity_issuer_chain": tcb_chain,
        "qe_identity": qe_s,
        "qe_identity_signature": sign_raw(pki.tcb_signing.key, qe_s.encode()).hex(),
    }


# ---------------------------------------------------------------------------------------------------------------
# The DCAP cases


@dataclass
class Case:
    name: str
    description: str
    quote: str  # file name under dcap/
    collateral: str
    accepted: bool  # devproof's intended verdict for the DCAP verification of this case
    tcb_status: str | None = None
    advisory_ids: list[str] = field(default_factory=list)
    reason: str | None = None  # what is wrong, for negative cases (stable keyword)
    dcap_qvl_error: str | None = None  # substring dcap-qvl's error must contain
    dcap_qvl_differs: str | None = None  # when dcap-qvl by design disagrees with devproof: why
    dcap_qvl_accepted: bool | None = None  # dcap-qvl's verdict when it differs
    intel_rules: dict | None = None  # devproof's outcome with --intel-rules when it differs from the default


class Writer:
    def __init__(self, out: Path):
        self.out = out
        self.files: list[str] = []

    def write(self, rel: str, data: bytes | str):
        p = self.out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        p.write_bytes(data)
        self.files.append(rel)


def td_body(label: str, **kw) -> TdReportBody:
    b = TdReportBody(tee_tcb_svn=TEE_TCB_SVN, mr_seam=label_bytes("tdx-module-mrseam", 48),
                     mr_td=label_bytes(f"{label}/mrtd", 48),
                     rtmr=tuple(label_bytes(f"{label}/rtmr{i}", 48) for i in range(4)),
                     report_data=sha512(f"devproof fixture report_data: {label}".encode()))
    for k, v in kw.items():
        setattr(b, k, v)
    return b


def tdx_platform(ppid_label: str, cpusvn: bytes) -> PckPlatform:
    return PckPlatform(fmspc=FMSPC_TDX, cpusvn=cpusvn, pcesvn=TDX_PCESVN, sgx_type=1,
                       ppid=label_bytes(ppid_label, 16), platform_instance_id=label_bytes(ppid_label + "/piid", 16),
                       configuration=(True, True, True))


def gen_dcap(w: Writer, pki: Pki) -> tuple[list[Case], dict]:
    # --- PCK leaves ---------------------------------------------------------------------------------------
    plat_tdx = tdx_platform("tdx-platform-a", TDX_CPUSVN_CURRENT)
    plat_tdx_old = tdx_platform("tdx-platform-old", TDX_CPUSVN_OLD)
    plat_tdx_rev = tdx_platform("tdx-platform-revoked", TDX_CPUSVN_CURRENT)
    plat_sgx = PckPlatform(fmspc=FMSPC_SGX, cpusvn=SGX_CPUSVN_CURRENT, pcesvn=SGX_PCESVN, sgx_type=0,
                           ppid=label_bytes("sgx-platform-a", 16))
    pck_tdx = pki.pck_leaf("pck-tdx", plat_tdx, pki.platform_ca)
    pck_tdx_old = pki.pck_leaf("pck-tdx-outdated", plat_tdx_old, pki.platform_ca)
    pck_tdx_rev = pki.pck_leaf("pck-tdx-revoked", plat_tdx_rev, pki.platform_ca)
    pck_sgx = pki.pck_leaf("pck-sgx", plat_sgx, pki.processor_ca)
    plat_tdx_revtcb = tdx_platform("tdx-platform-revoked-tcb", TDX_CPUSVN_REVOKED)
    pck_tdx_revtcb = pki.pck_leaf("pck-tdx-revoked-tcb", plat_tdx_revtcb, pki.platform_ca)
    plat_tdx_cfg = tdx_platform("tdx-platform-config-needed", TDX_CPUSVN_CONFIG)
    pck_tdx_cfg = pki.pck_leaf("pck-tdx-config-needed", plat_tdx_cfg, pki.platform_ca)
    plat_tdx_pceid = tdx_platform("tdx-platform-pceid", TDX_CPUSVN_CURRENT)
    plat_tdx_pceid.pceid = b"\x01\x00"
    pck_tdx_pceid = pki.pck_leaf("pck-tdx-pceid-0100", plat_tdx_pceid, pki.platform_ca)
    plat_tdx_exp = tdx_platform("tdx-platform-expired-pck", TDX_CPUSVN_CURRENT)
    pck_tdx_exp = pki.pck_leaf("pck-tdx-expired", plat_tdx_exp, pki.platform_ca, not_before=utc(2025, 1, 1),
                               not_after=utc(2025, 12, 31))

    # --- CRLs ---------------------------------------------------------------------------------------------
    root_crl = make_crl(pki.root, ISSUE, NEXT, 1)
    revoked_at = utc(2025, 12, 1)
    pck_crl_platform = make_crl(pki.platform_ca, ISSUE, NEXT, 1, [(pck_tdx_rev.cert.serial_number, revoked_at)])
    pck_crl_platform_expired = make_crl(pki.platform_ca, utc(2025, 12, 10), utc(2026, 1, 10), 1,
                                        [(pck_tdx_rev.cert.serial_number, revoked_at)])
    pck_crl_processor = make_crl(pki.processor_ca, ISSUE, NEXT, 1)
    root_crl_ca_revoked = make_crl(pki.root, ISSUE, NEXT, 2, [(pki.platform_ca.cert.serial_number, revoked_at)])

    # --- PKI files ----------------------------------------------------------------------------------------
    w.write("dcap/pki/root-ca.der", pki.root.der)
    w.write("dcap/pki/root-ca.pem", pki.root.pem)
    w.write("dcap/pki/pck-platform-ca.pem", pki.platform_ca.pem)
    w.write("dcap/pki/pck-processor-ca.pem", pki.processor_ca.pem)
    w.write("dcap/pki/tcb-signing.pem", pki.tcb_signing.pem)
    for label, c in sorted(pki.leaves.items()):
        w.write(f"dcap/pki/{label}.pem", c.pem)
    w.write("dcap/pki/root-ca.crl.der", root_crl)
    w.write("dcap/pki/pck-platform-ca.crl.der", pck_crl_platform)
    w.write("dcap/pki/pck-platform-ca-expired.crl.der", pck_crl_platform_expired)
    w.write("dcap/pki/pck-processor-ca.crl.der", pck_crl_processor)
    w.write("dcap/pki/root-ca-revokes-platform-ca.crl.der", root_crl_ca_revoked)

    # --- collateral files ---------------------------------------------------------------------------------
    td_qe_ident = qe_identity("TD_QE", TD_QE)
    colls = {
        "collateral-tdx.json": collateral(pki, pck_ca=pki.platform_ca, pck_crl=pck_crl_platform, root_crl=root_crl,
                                          tcb_info=tdx_tcb_info(FMSPC_TDX), qe_ident=td_qe_ident),
        "collateral-tdx-expired-crl.json": collateral(pki, pck_ca=pki.platform_ca, pck_crl=pck_crl_platform_expired,
                                                      root_crl=root_crl, tcb_info=tdx_tcb_info(FMSPC_TDX),
                                                      qe_ident=td_qe_ident),
        "collateral-tdx-wrong-fmspc.json": collateral(pki, pck_ca=pki.platform_ca, pck_crl=pck_crl_platform,
                                                      root_crl=root_crl, tcb_info=tdx_tcb_info(FMSPC_OTHER),
                                                      qe_ident=td_qe_ident),
        "collateral-tdx-ca-revoked.json": collateral(pki, pck_ca=pki.platform_ca, pck_crl=pck_crl_platform,
                                                     root_crl=root_crl_ca_revoked, tcb_info=tdx_tcb_info(FMSPC_TDX),
                                                     qe_ident=td_qe_ident),
        "collateral-tdx-tcbinfo-expired.json": collateral(
            pki, pck_ca=pki.platform_ca, pck_crl=pck_crl_platform, root_crl=root_crl,
            tcb_info=tdx_tcb_info(FMSPC_TDX, issue=utc(2025, 12, 10), next_update=utc(2026, 1, 10)),
            qe_ident=td_qe_ident),
        "collateral-tdx-qeidentity-expired.json": collateral(
            pki, pck_ca=pki.platform_ca, pck_crl=pck_crl_platform, root_crl=root_crl, tcb_info=tdx_tcb_info(FMSPC_TDX),
            qe_ident=qe_identity("TD_QE", TD_QE, issue=utc(2025, 12, 10), next_update=utc(2026, 1, 10))),
        "collateral-sgx.json": collateral(pki, pck_ca=pki.processor_ca, pck_crl=pck_crl_processor,
                                          root_crl=root_crl, tcb_info=sgx_tcb_info(FMSPC_SGX),
                                          qe_ident=qe_identity("QE", SGX_QE)),
    }
    for name, c in colls.items():
        w.write(f"dcap/{name}", dumps_sorted(c))

    # --- quotes -------------------------------------------------------------------------------------------
    qe_id = label_bytes("qe-id", 16)
    cases: list[Case] = []

    def tdx(name: str, body: TdReportBody, *, version=4, pck=pck_tdx, plat=plat_tdx, qe=TD_QE,
            trailing: bytes = b"", **quote_kw) -> str:
        q = make_quote(version=version, tee_type=TEE_TDX, body=body.encode(), pck=pck, pck_ca=pki.platform_ca,
                       root=pki.root, platform=plat, qe=qe, att_key_label=f"attestation-key/{name}", qe_id=qe_id,
                       **quote_kw)
        q += trailing
        fn = f"{name}.quote"
        w.write(f"dcap/{fn}", q)
        return fn

    cases.append(Case("tdx-v4-valid", "TDX v4 quote (TD 1.0 body), current platform TCB: the positive base case",
                      tdx("tdx-v4-valid", td_body("tdx-v4-valid")), "collateral-tdx.json", True, "UpToDate"))
    cases.append(Case("tdx-v5-td15", "TDX v5 quote with body descriptor type 3 (TD 1.5 body, mr_servicetd zero)",
                      tdx("tdx-v5-td15", td_body("tdx-v5-td15", tee_tcb_svn2=TEE_TCB_SVN, mr_servicetd=bytes(48)),
                          version=5), "collateral-tdx.json", True, "UpToDate"))
    cases.append(Case("tdx-v5-td10", "TDX v5 quote with body descriptor type 2 (TD 1.0 body)",
                      tdx("tdx-v5-td10", td_body("tdx-v5-td10"), version=5), "collateral-tdx.json", True, "UpToDate"))
    cases.append(Case("tdx-v4-outofdate", "PCK leaf certifies an older CPUSVN: matches the OutOfDate TCB level",
                      tdx("tdx-v4-outofdate", td_body("tdx-v4-outofdate"), pck=pck_tdx_old, plat=plat_tdx_old),
                      "collateral-tdx.json", True, "OutOfDate", list(ADVISORIES_OLD_PLATFORM)))
    cases.append(Case("tdx-v4-qe-outofdate", "QE report ISVSVN 3 matches the QE identity's OutOfDate level",
                      tdx("tdx-v4-qe-outofdate", td_body("tdx-v4-qe-outofdate"),
                          qe=QeSpec(TD_QE.mr_signer, TD_QE.isv_prod_id, 3, TD_QE.attributes)),
                      "collateral-tdx.json", True, "OutOfDate", ["TEST-SA-00030"]))
    cases.append(Case("tdx-v4-module-outofdate",
                      "TDX module ISVSVN 2 (tee_tcb_svn 02 01 02): the TDX_01 module level is OutOfDate. dcap-qvl 0.7.0 "
                      "(like Intel QVL, unlike dcap-qvl 0.5.2) skips tee_tcb_svn bytes 0-1 when matching platform "
                      "tdxtcbcomponents, so the platform stays UpToDate; final OutOfDate with the module advisory",
                      tdx("tdx-v4-module-outofdate", td_body("tdx-v4-module-outofdate",
                                                             tee_tcb_svn=bytes([2, 1, 2] + [0] * 13))),
                      "collateral-tdx.json", True, "OutOfDate", ["TEST-SA-00010"]))
    cases.append(Case("tdx-v4-config-needed", "PCK CPUSVN matches the ConfigurationNeeded platform level",
                      tdx("tdx-v4-config-needed", td_body("tdx-v4-config-needed"), pck=pck_tdx_cfg,
                          plat=plat_tdx_cfg),
                      "collateral-tdx.json", True, "ConfigurationNeeded", ["TEST-SA-00040"]))
    cases.append(Case("tdx-v4-config-needed-qe-outofdate",
                      "platform ConfigurationNeeded and QE OutOfDate: dcap-qvl 0.7.0 converges like Intel QVL to "
                      "OutOfDateConfigurationNeeded (plain max-severity would give OutOfDate)",
                      tdx("tdx-v4-config-needed-qe-outofdate", td_body("tdx-v4-config-needed-qe-outofdate"),
                          pck=pck_tdx_cfg, plat=plat_tdx_cfg,
                          qe=QeSpec(TD_QE.mr_signer, TD_QE.isv_prod_id, 3, TD_QE.attributes)),
                      "collateral-tdx.json", True, "OutOfDateConfigurationNeeded", ["TEST-SA-00040", "TEST-SA-00030"]))
    cases.append(Case("tdx-v4-trailing-zeros", "base-like quote followed by 70 zero bytes (as dstack/tappd quotes are)",
                      tdx("tdx-v4-trailing-zeros", td_body("tdx-v4-trailing-zeros"), trailing=bytes(70)),
                      "collateral-tdx.json", True, "UpToDate"))
    cases.append(Case("tdx-v4-revoked-pck", "quote certified by a PCK leaf whose serial is on the PCK CRL",
                      tdx("tdx-v4-revoked-pck", td_body("tdx-v4-revoked-pck"), pck=pck_tdx_rev, plat=plat_tdx_rev),
                      "collateral-tdx.json", False, reason="pck_revoked", dcap_qvl_error="CertRevoked"))
    cases.append(Case("tdx-v4-debug", "td_attributes DEBUG bit set (SEPT_VE_DISABLE still set)",
                      tdx("tdx-v4-debug", td_body("tdx-v4-debug",
                                                   td_attributes=TD_ATTR_DEBUG | TD_ATTR_SEPT_VE_DISABLE)),
                      "collateral-tdx.json", False, reason="td_debug", dcap_qvl_error="Debug mode is enabled"))
    cases.append(Case("tdx-v4-no-sept-ve", "td_attributes without SEPT_VE_DISABLE",
                      tdx("tdx-v4-no-sept-ve", td_body("tdx-v4-no-sept-ve", td_attributes=0)),
                      "collateral-tdx.json", False, reason="sept_ve_disable_missing",
                      dcap_qvl_error="SEPT_VE_DISABLE is not enabled"))
    cases.append(Case("tdx-v5-service-td", "TD 1.5 quote with a non-zero mr_servicetd",
                      tdx("tdx-v5-service-td", td_body("tdx-v5-service-td", tee_tcb_svn2=TEE_TCB_SVN,
                                                       mr_servicetd=label_bytes("service-td", 48)), version=5),
                      "collateral-tdx.json", False, reason="service_td_bound",
                      dcap_qvl_error="Invalid MR service TD"))
    cases.append(Case("tdx-v4-expired-crl", "valid quote, but the collateral's PCK CRL nextUpdate is before now",
                      "tdx-v4-valid.quote", "collateral-tdx-expired-crl.json", False, reason="crl_expired",
                      dcap_qvl_error="CrlExpired"))
    cases.append(Case("tdx-v4-wrong-fmspc", "valid quote, but the TCB info is for another FMSPC",
                      "tdx-v4-valid.quote", "collateral-tdx-wrong-fmspc.json", False, reason="fmspc_mismatch",
                      dcap_qvl_error="Fmspc mismatch"))
    cases.append(Case("tdx-v4-revoked-tcb", "PCK leaf CPUSVN matches only the TCB level whose status is Revoked",
                      tdx("tdx-v4-revoked-tcb", td_body("tdx-v4-revoked-tcb"), pck=pck_tdx_revtcb,
                          plat=plat_tdx_revtcb),
                      "collateral-tdx.json", False, reason="tcb_revoked", dcap_qvl_error="Revoked"))
    cases.append(Case("tdx-v4-expired-pck", "PCK leaf notAfter (2025-12-31) is before now",
                      tdx("tdx-v4-expired-pck", td_body("tdx-v4-expired-pck"), pck=pck_tdx_exp, plat=plat_tdx_exp),
                      "collateral-tdx.json", False, reason="pck_expired", dcap_qvl_error="CertExpired"))
    cases.append(Case("tdx-v4-ca-revoked", "valid quote, but the root CA CRL revokes the PCK Platform CA",
                      "tdx-v4-valid.quote", "collateral-tdx-ca-revoked.json", False, reason="pck_ca_revoked",
                      dcap_qvl_error="CertRevoked"))
    cases.append(Case("tdx-v4-tcbinfo-expired", "valid quote, but the TCB info nextUpdate (2026-01-10) is before now",
                      "tdx-v4-valid.quote", "collateral-tdx-tcbinfo-expired.json", False, reason="tcb_info_expired",
                      dcap_qvl_error="TCBInfo expired"))
    cases.append(Case("tdx-v4-qeidentity-expired",
                      "valid quote, but the QE identity nextUpdate (2026-01-10) is before now",
                      "tdx-v4-valid.quote", "collateral-tdx-qeidentity-expired.json", False,
                      reason="qe_identity_expired", dcap_qvl_error="QE Identity expired"))
    cases.append(Case("tdx-v4-module-signer-mismatch", "mr_signer_seam is not the TDX module identity's mrsigner",
                      tdx("tdx-v4-module-signer-mismatch", td_body("tdx-v4-module-signer-mismatch",
                                                                   mr_signer_seam=label_bytes("rogue-seam", 48))),
                      "collateral-tdx.json", False, reason="tdx_module_mismatch", dcap_qvl_error="MRSIGNER"))
    cases.append(Case("tdx-v4-seam-attributes", "seam_attributes non-zero (module attributesMask is all ones)",
                      tdx("tdx-v4-seam-attributes", td_body("tdx-v4-seam-attributes",
                                                            seam_attributes=bytes([1] + [0] * 7))),
                      "collateral-tdx.json", False, reason="tdx_module_mismatch", dcap_qvl_error="SEAMATTRIBUTES"))
    cases.append(Case("tdx-v4-module-unknown", "tee_tcb_svn[1] = 2: no TDX_02 entry in tdxModuleIdentities",
                      tdx("tdx-v4-module-unknown", td_body("tdx-v4-module-unknown",
                                                           tee_tcb_svn=bytes([3, 2, 2] + [0] * 13))),
                      "collateral-tdx.json", False, reason="tdx_module_unknown", dcap_qvl_error="TDX_02"))
    cases.append(Case("tdx-v4-module-svn-low", "TDX module ISVSVN 0 is below every TDX_01 level",
                      tdx("tdx-v4-module-svn-low", td_body("tdx-v4-module-svn-low",
                                                           tee_tcb_svn=bytes([0, 1, 2] + [0] * 13))),
                      "collateral-tdx.json", False, reason="tdx_module_svn_too_low", dcap_qvl_error="ISVSVN"))
    cases.append(Case("tdx-v4-migratable", "td_attributes bit 29 (MIGRATABLE) set, SEPT_VE_DISABLE set, debug off",
                      tdx("tdx-v4-migratable", td_body("tdx-v4-migratable",
                                                       td_attributes=TD_ATTR_SEPT_VE_DISABLE | (1 << 29))),
                      "collateral-tdx.json", False, reason="td_migratable", dcap_qvl_error="TD migration is enabled"))
    cases.append(Case("tdx-v4-reserved-attr", "td_attributes reserved TUD bit 1 set (SEPT_VE_DISABLE set, debug off)",
                      tdx("tdx-v4-reserved-attr", td_body("tdx-v4-reserved-attr",
                                                          td_attributes=TD_ATTR_SEPT_VE_DISABLE | (1 << 1))),
                      "collateral-tdx.json", False, reason="td_attributes_reserved",
                      dcap_qvl_error="Reserved bits"))
    cases.append(Case("tdx-v4-module-v0-low",
                      "tee_tcb_svn 02 00 02 (module major version 0): all 16 bytes are compared with the platform "
                      "tdxtcbcomponents (bytes 0-1 are only skipped when tee_tcb_svn[1] > 0), so only the Revoked "
                      "level matches",
                      tdx("tdx-v4-module-v0-low", td_body("tdx-v4-module-v0-low",
                                                          tee_tcb_svn=bytes([2, 0, 2] + [0] * 13))),
                      "collateral-tdx.json", False, reason="tcb_revoked", dcap_qvl_error="Revoked"))
    # Where dcap-qvl (devproof's default parity target) is more lenient than Intel's QVL: default accepts,
    # `--intel-rules` rejects.
    cases.append(Case("tdx-v4-pceid-mismatch",
                      "PCK leaf PCEID 0100, TCB info pceId 0000: dcap-qvl does not compare PCEID, Intel QVL does",
                      tdx("tdx-v4-pceid-mismatch", td_body("tdx-v4-pceid-mismatch"), pck=pck_tdx_pceid,
                          plat=plat_tdx_pceid),
                      "collateral-tdx.json", True, "UpToDate",
                      intel_rules={"accepted": False, "reason": "pceid_mismatch"}))
    cases.append(Case("tdx-v4-outer-cert-type-5",
                      "outer certification data type 5 instead of 6 (QE report cert data); not covered by any "
                      "signature. dcap-qvl does not check it, Intel QVL does",
                      tdx("tdx-v4-outer-cert-type-5", td_body("tdx-v4-outer-cert-type-5"), outer_cert_type=5),
                      "collateral-tdx.json", True, "UpToDate",
                      intel_rules={"accepted": False, "reason": "cert_data_type"}))
    cases.append(Case("tdx-v5-body-size-mismatch",
                      "v5 body descriptor says type 3 (TD 1.5, 648 bytes) but size 584 (signed); dcap-qvl 0.7.0 "
                      "rejects it (0.5.2 ignored the size), as does Intel QVL",
                      tdx("tdx-v5-body-size-mismatch", td_body("tdx-v5-body-size-mismatch", tee_tcb_svn2=TEE_TCB_SVN,
                                                               mr_servicetd=bytes(48)), version=5, v5_body_size=584),
                      "collateral-tdx.json", False, reason="v5_body_size", dcap_qvl_error="Invalid body size"))
    for name, attrs in (("sgx-v3-debug", "07000000000000000700000000000000"),):
        body = SgxReportBody(cpu_svn=SGX_CPUSVN_CURRENT, attributes=bytes.fromhex(attrs),
                             mr_enclave=label_bytes("sgx-enclave/mrenclave", 32),
                             mr_signer=label_bytes("sgx-enclave/mrsigner", 32), isv_prod_id=1, isv_svn=1,
                             report_data=sha512(f"devproof fixture report_data: {name}".encode())).encode()
        q = make_quote(version=3, tee_type=TEE_SGX, body=body, pck=pck_sgx, pck_ca=pki.processor_ca, root=pki.root,
                       platform=plat_sgx, qe=SGX_QE, att_key_label=f"attestation-key/{name}", qe_id=qe_id,
                       header_svns=(SGX_QE.isv_svn, SGX_PCESVN))
        w.write(f"dcap/{name}.quote", q)
        cases.append(Case(name, "SGX v3 quote of an enclave with the DEBUG attribute", f"{name}.quote",
                          "collateral-sgx.json", False, reason="sgx_debug", dcap_qvl_error="Debug mode is enabled"))
    sgx_body = SgxReportBody(cpu_svn=SGX_CPUSVN_CURRENT, attributes=bytes.fromhex("05000000000000000700000000000000"),
                             mr_enclave=label_bytes("sgx-enclave/mrenclave", 32),
                             mr_signer=label_bytes("sgx-enclave/mrsigner", 32), isv_prod_id=1, isv_svn=1,
                             report_data=sha512(b"devproof fixture report_data: sgx-v3-valid")).encode()
    q = make_quote(version=3, tee_type=TEE_SGX, body=sgx_body, pck=pck_sgx, pck_ca=pki.processor_ca, root=pki.root,
                   platform=plat_sgx, qe=SGX_QE, att_key_label="attestation-key/sgx-v3-valid", qe_id=qe_id,
                   header_svns=(SGX_QE.isv_svn, SGX_PCESVN))
    w.write("dcap/sgx-v3-valid.quote", q)
    cases.append(Case("sgx-v3-valid", "SGX v3 quote, PCK via the Processor CA", "sgx-v3-valid.quote",
                      "collateral-sgx.json", True, "UpToDate"))
    ctx = {"pck_tdx": pck_tdx, "plat_tdx": plat_tdx, "qe_id": qe_id}
    return cases, ctx


# ---------------------------------------------------------------------------------------------------------------
# dcap-qvl oracle


def dcap_qvl_verify(quote: bytes, coll_json: str, root_der: bytes, now: int) -> dict:
    import dcap_qvl
    coll = dcap_qvl.QuoteCollateralV3.from_json(coll_json)
    try:
        r = dcap_qvl.verify_with_root_ca(quote, coll, root_der, now)
    except Exception as e:  # dcap-qvl raises ValueError with its error chain
        return {"accepted": False, "error": " ".join(str(e).split())}
    return {"accepted": True, "status": r.status, "advisory_ids": list(r.advisory_ids)}


def check_dcap_cases(out: Path, cases: list[Case], root_der: bytes) -> list[dict]:
    import dcap_qvl
    ver = getattr(dcap_qvl, "__version__", None) or dcap_qvl.version("dcap-qvl")
    if ver != DCAP_QVL_VERSION:
        raise SystemExit(f"gen_fixtures: dcap-qvl {DCAP_QVL_VERSION} required as the oracle, found {ver}")
    entries = []
    problems = []
    for c in cases:
        quote = (out / "dcap" / c.quote).read_bytes()
        coll = (out / "dcap" / c.collateral).read_text()
        got = dcap_qvl_verify(quote, coll, root_der, unix(NOW))
        want_acc = c.accepted if c.dcap_qvl_accepted is None else c.dcap_qvl_accepted
        if got["accepted"] != want_acc:
            problems.append(f"{c.name}: dcap-qvl accepted={got['accepted']} ({got}), intended {want_acc}")
        elif got["accepted"] and c.dcap_qvl_differs is None:
            if got["status"] != c.tcb_status or got["advisory_ids"] != c.advisory_ids:
                problems.append(f"{c.name}: dcap-qvl says {got}, intended {c.tcb_status} {c.advisory_ids}")
        elif not got["accepted"] and c.dcap_qvl_error and c.dcap_qvl_error not in got["error"]:
            problems.append(f"{c.name}: dcap-qvl error {got['error']!r} lacks {c.dcap_qvl_error!r}")
        expected = {
            "accepted": c.accepted,
            "tcb_status": c.tcb_status,
            "advisory_ids": c.advisory_ids,
            "error_contains": c.dcap_qvl_error,
            "reason": c.reason,
            "dcap_qvl": got,
        }
        if c.dcap_qvl_differs:
            expected["dcap_qvl_differs"] = c.dcap_qvl_differs
        if c.intel_rules:
            expected["intel_rules"] = c.intel_rules
        entries.append({
            "name": c.name, "description": c.description,
            "quote": f"dcap/{c.quote}", "collateral": f"dcap/{c.collateral}", "root_ca": "dcap/pki/root-ca.der",
            "now": unix(NOW), "now_rfc3339": rfc3339(NOW), "expected": expected,
        })
    # The TEST root must be what makes these verify: under Intel's pinned root every case must fail.
    for c in cases:
        quote = (out / "dcap" / c.quote).read_bytes()
        coll = dcap_qvl.QuoteCollateralV3.from_json((out / "dcap" / c.collateral).read_text())
        try:
            dcap_qvl.verify(quote, coll, unix(NOW))
            problems.append(f"{c.name}: verifies under Intel's root CA")
        except ValueError:
            pass
    if problems:
        raise SystemExit("gen_fixtures: dcap-qvl disagrees with the intended outcome:\n  " + "\n  ".join(problems))
    return entries


DCAP_README = """\
# Fixtures/dcap — DCAP evidence from the project's own TEST PKI (NOT Intel)

Everything in this directory is generated by `scripts/gen_fixtures.py` (`make fixtures`), deterministically
(fixed key seeds, fixed dates, RFC 6979 signatures). The root is **"devproof TEST Root CA — not Intel"**:
none of these quotes proves anything about real hardware. Verify them with `--root-ca dcap/pki/root-ca.der`;
against Intel's pinned root every one of them must fail.

`manifest.json` lists every case: `{name, description, quote, collateral, root_ca, now, now_rfc3339, expected}`
with paths relative to `Fixtures/`. Tests should read expected values from the manifest rather than hard-code them. `expected` holds devproof's intended outcome (`accepted`, `tcb_status`,
`advisory_ids`, `reason` keyword for negative cases, `error_contains` = substring of dcap-qvl's error) and
`dcap_qvl`: what dcap-qvl {dcap_qvl_version} (`verify_with_root_ca`) actually returned at `now` when the generator
ran. The generator fails when dcap-qvl disagrees with the intent (`dcap_qvl_differs` marks a deliberate difference).
`intel_rules` (only where it differs) is the outcome expected under `--intel-rules` (Intel QVL's stricter checks).

dcap-qvl **0.7.0** behaviour these cases pin down, which differs from the 0.5.2 notes in `spec/dcap.md`:
- platform TCB matching skips `tee_tcb_svn` bytes 0-1 when `tee_tcb_svn[1] > 0` (like Intel QVL; 0.5.2 compared all
  16): `tdx-v4-module-outofdate` (platform UpToDate, module OutOfDate → `OutOfDate ["TEST-SA-00010"]`, not the
  platform's OutOfDate level) and `tdx-v4-module-v0-low` (version 0: all 16 bytes compared);
- the status merge follows Intel's convergence, not plain max-severity: platform ConfigurationNeeded + QE OutOfDate →
  `OutOfDateConfigurationNeeded` (`tdx-v4-config-needed-qe-outofdate`);
- the v5 body size is checked ("Invalid body size"): `tdx-v5-body-size-mismatch`;
- td_attributes bit 29 is reported as "TD migration is enabled" (`tdx-v4-migratable`), not as a reserved bit.
Still unchecked by 0.7.0 (accepted; Intel QVL rejects): PCEID mismatch, outer certification data type ≠ 6.

Fixed time: `now` = {now} ({now_rfc3339}). TCB info / QE identity / CRLs are valid {issue} → {next}.

## Files
| file | what |
|---|---|
| `pki/root-ca.der`, `pki/root-ca.pem` | TEST root CA (self-signed, CA pathLen 1) — the `--root-ca` input |
| `pki/pck-platform-ca.pem`, `pki/pck-processor-ca.pem` | TEST PCK Platform / Processor CA (pathLen 0) |
| `pki/tcb-signing.pem` | TEST TCB signing cert (signs TCB info and QE identity) |
| `pki/pck-*.pem` | PCK leaves with the SGX extension `1.2.840.113741.1.13.1` (PPID, TCB comps, PCESVN, CPUSVN, PCEID, FMSPC, SGX type, platform instance id, configuration) |
| `pki/*.crl.der` | CRLs: root CA (empty), root CA revoking the Platform CA, Platform CA (revokes `pck-tdx-revoked`), the same expired, Processor CA (empty) |
| `collateral-tdx.json` | dcap-qvl `QuoteCollateralV3` JSON for the TDX platform (FMSPC {fmspc_tdx}): TCB info v3 TDX with `tdxModule`, `tdxModuleIdentities` (TDX_01: isvsvn 3 UpToDate, 1 OutOfDate) and platform levels UpToDate / ConfigurationNeeded / OutOfDate (advisories) / Revoked, QE identity `TD_QE` v2 (isvsvn 4 UpToDate, 2 OutOfDate) |
| `collateral-tdx-expired-crl.json` | as above, but the PCK CRL's nextUpdate (2026-01-10) is before `now` |
| `collateral-tdx-wrong-fmspc.json` | as above, but the TCB info is for FMSPC {fmspc_other} |
| `collateral-tdx-ca-revoked.json` | as `collateral-tdx.json`, but the root CA CRL revokes the PCK Platform CA |
| `collateral-tdx-tcbinfo-expired.json`, `collateral-tdx-qeidentity-expired.json` | TCB info / QE identity valid 2025-12-10 → 2026-01-10 only (before `now`) |
| `collateral-sgx.json` | SGX platform (FMSPC {fmspc_sgx}, Processor CA): TCB info v3 SGX, QE identity `QE` |
| `*.quote` | raw quotes (binary); the PEM chain in the cert data ends with a NUL byte, as Intel's do |

## Cases
| name | quote | collateral | expected (devproof) | dcap-qvl |
|---|---|---|---|---|
{rows}

Quote structure: header(48) ‖ [v5: u16 body type, u32 body size] ‖ body ‖ u32 sig-data len ‖ ECDSA sig by the
attestation key over header‖(descriptor)‖body ‖ attestation key ‖ cert data type 6 (QE report cert data: QE report
signed by the PCK leaf key, QE report data = sha256(attestation key ‖ QE auth data 00..1f) ‖ 0^32, QE auth data,
inner cert data type 5 = PEM chain PCK leaf ‖ CA ‖ root). SGX v3 carries the QE report directly (no type-6 wrapper).

Uses: the `dcap` engineer's pass/fail tests for each check; the demo (`Fixtures/demo/commands.sh`).
"""


def write_dcap_readme(w: Writer, entries: list[dict]):
    rows = []
    for e in entries:
        x = e["expected"]
        dev = f"accepted, {x['tcb_status']} {x['advisory_ids']}" if x["accepted"] else f"rejected ({x['reason']})"
        if x.get("intel_rules"):
            ir = x["intel_rules"]
            dev += f"; with `--intel-rules`: {'accepted' if ir['accepted'] else 'rejected (' + ir['reason'] + ')'}"
        d = x["dcap_qvl"]
        dq = f"{d['status']} {d['advisory_ids']}" if d["accepted"] else f"error: {d['error'][:90]}"
        rows.append(f"| `{e['name']}` | `{e['quote'][5:]}` | `{e['collateral'][5:]}` | {dev} | {dq} |")
    text = DCAP_README
    for k, v in {"dcap_qvl_version": DCAP_QVL_VERSION, "now": str(unix(NOW)), "now_rfc3339": rfc3339(NOW),
                 "issue": rfc3339(ISSUE), "next": rfc3339(NEXT), "fmspc_tdx": FMSPC_TDX.hex().upper(),
                 "fmspc_sgx": FMSPC_SGX.hex().upper(), "fmspc_other": FMSPC_OTHER.hex().upper(),
                 "rows": "\n".join(rows)}.items():
        text = text.replace("{" + k + "}", v)
    w.write("dcap/README.md", text)


# ---------------------------------------------------------------------------------------------------------------
# dstack evidence (formats: spec/dstack-formats.md; shapes of dstack's GetQuote and KMS/guest Info responses)

RUNTIME_EVENT_TYPE = 0x08000001
DEMO_NONCE_V1 = b"devproof-test-nonce:v1"  # GetQuote report_data of v1 (zero-padded to 64 bytes)
RATLS_OID_QUOTE = "1.3.6.1.4.1.62397.1.1"
RATLS_OID_EVENT_LOG = "1.3.6.1.4.1.62397.1.2"
RATLS_OID_USAGE = "1.3.6.1.4.1.62397.1.4"
RATLS_OID_ATTESTATION = "1.3.6.1.4.1.62397.1.8"
KP_KIND = {"none": 0, "local": 1, "kms": 2, "tpm": 3}


def keccak256(b: bytes) -> bytes:
    from eth_hash.auto import keccak
    return keccak(b)


def runtime_digest(name: str, payload: bytes) -> bytes:
    return sha384(struct.pack("<I", RUNTIME_EVENT_TYPE) + b":" + name.encode() + b":" + payload)


@dataclass
class Event:
    imr: int
    event_type: int
    digest: bytes
    event: str = ""
    payload: bytes = b""
    version: int = 1  # runtime events: 1 = V1 preimage, 2 = JCS preimage (event_log_version 2)

    def full(self) -> dict:
        d = {"imr": self.imr, "event_type": self.event_type, "digest": self.digest.hex(), "event": self.event,
             "event_payload": self.payload.hex()}
        if self.version == 2:
            d["version"] = 2
        return d

    def stripped(self) -> dict:
        """GetQuote form: boot events keep digests but lose payloads (except ACPI DATA); runtime events keep
        payloads and lose digests."""
        if self.event_type == RUNTIME_EVENT_TYPE:
            d = {"imr": 3, "event_type": self.event_type, "digest": "", "event": self.event,
                 "event_payload": self.payload.hex()}
            if self.version == 2:  # quote/attest APIs fill the V2 preimage
                d["version"] = 2
                d["preimage"] = runtime_preimage_v2(self.event, self.payload).hex()
            return d
        keep = self.payload if self.payload == b"ACPI DATA" else b""
        return {"imr": self.imr, "event_type": self.event_type, "digest": self.digest.hex(), "event": self.event,
                "event_payload": keep.hex()}


def runtime_preimage_v2(name: str, payload: bytes) -> bytes:
    """JCS (RFC 8785) of {"name", "payload" (lowercase hex), "type"}: sorted keys, no whitespace."""
    return json.dumps({"name": name, "payload": payload.hex(), "type": RUNTIME_EVENT_TYPE}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode()


def runtime_event(name: str, payload: bytes, version: int = 1) -> Event:
    digest = sha384(runtime_preimage_v2(name, payload)) if version == 2 else runtime_digest(name, payload)
    return Event(3, RUNTIME_EVENT_TYPE, digest, name, payload, version)


def boot_events() -> list[Event]:
    """Synthetic RTMR0-2 boot events (TCG event types as a TDVF/OVMF boot logs them); digests are what counts."""
    ev: list[Event] = []

    def blob(imr: int, et: int, label: str, payload: bytes = b""):
        ev.append(Event(imr, et, sha384(SEED_PREFIX + b"boot/" + label.encode()), "", payload))

    blob(0, 0x8000000B, "td-hob", b"\tTdxTable\x00" + label_bytes("td-hob-payload", 16))
    blob(0, 0x8000000A, "cfv")
    for name in ("SecureBoot", "PK", "KEK", "db", "dbx"):
        blob(0, 0x80000001, f"efi-var/{name}")
    ev.append(Event(0, 4, sha384(bytes(4)), "", bytes(4)))
    for name in ("acpi-loader", "acpi-rsdp", "acpi-tables"):
        ev.append(Event(0, 10, sha384(SEED_PREFIX + b"acpi/" + name.encode()), name, b"ACPI DATA"))
    blob(1, 0x80000003, "kernel-authenticode")
    for text in (b"Calling EFI Application from Boot Option",):
        ev.append(Event(1, 0x80000007, sha384(text), "", text))
    blob(0, 0x80000002, "efi-var/BootOrder")
    blob(0, 0x80000002, "efi-var/Boot0000")
    ev.append(Event(1, 4, sha384(bytes(4)), "", bytes(4)))
    cmdline = "console=ttyS0 init=/init devproof-test-os initrd=initrd".encode("utf-16-le") + b"\x00\x00"
    ev.append(Event(2, 6, sha384(cmdline), "", cmdline))
    blob(2, 6, "initrd", b"Linux initrd\x00")
    for text in (b"Exit Boot Services Invocation", b"Exit Boot Services Returned with Success"):
        ev.append(Event(1, 0x80000007, sha384(text), "", text))
    return ev


def scale_compact(n: int) -> bytes:
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    raise ValueError("SCALE compact: too large")


def scale_bytes(b: bytes) -> bytes:
    return scale_compact(len(b)) + b


def attestation_v0(quote: bytes, events: list[Event], report_data: bytes, config: str) -> bytes:
    """dstack VersionedAttestation V0 (SCALE): 0x00 || Attestation{quote: DstackTdx{quote, event_log}, runtime_events,
    report_data[64], config}. The embedded event log is stripped like dstack's: the three ACPI events (with digests)
    and the runtime events (digest empty); runtime_events repeats (name, payload)."""
    kept = [e for e in events if e.event_type == 10 and e.event.startswith("acpi-")]
    runtime = [e for e in events if e.event_type == RUNTIME_EVENT_TYPE]
    out = b"\x00" + b"\x00" + scale_bytes(quote) + scale_compact(len(kept) + len(runtime))
    for e in kept + runtime:
        digest = b"" if e.event_type == RUNTIME_EVENT_TYPE else e.digest
        out += (struct.pack("<II", e.imr, e.event_type) + scale_bytes(digest) + scale_bytes(e.event.encode())
                + scale_bytes(e.payload))
    out += scale_compact(len(runtime))
    for e in runtime:
        out += scale_bytes(e.event.encode()) + scale_bytes(e.payload)
    assert len(report_data) == 64
    return out + report_data + scale_bytes(config.encode())


def attestation_v0_quote(b: bytes) -> bytes:
    """The quote inside a V0 SCALE attestation (for the self-check)."""
    assert b[0] == 0 and b[1] == 0, "not a V0 DstackTdx attestation"
    mode = b[2] & 3
    n, off = {0: (b[2] >> 2, 3), 1: (int.from_bytes(b[2:4], "little") >> 2, 4),
              2: (int.from_bytes(b[2:6], "little") >> 2, 6)}[mode]
    return b[off:off + n]


def replay(events: list[Event]) -> list[bytes]:
    mrs = [bytes(48)] * 4
    for e in events:
        mrs[e.imr] = sha384(mrs[e.imr] + e.digest)
    return mrs


def event_log_json(events: list[Event], stripped: bool) -> str:
    return compact([e.stripped() if stripped else e.full() for e in events])


def app_compose_bytes(name: str, key_provider_id: str, event_log_version: int = 1, compose_yaml: str | None = None) -> bytes:
    compose_yaml = compose_yaml or (
        "services:\n"
        "  app:\n"
        f"    image: ghcr.io/devproof-test/{name}@sha256:{label_bytes('image/' + name, 32).hex()}\n"
        "    ports:\n"
        "      - \"8080:8080\"\n"
        "    volumes:\n"
        "      - /var/run/dstack.sock:/var/run/dstack.sock\n")
    obj = {
        "manifest_version": 2,
        "name": name,
        "runner": "docker-compose",
        "docker_compose_file": compose_yaml,
        "kms_enabled": True,
        "gateway_enabled": False,
        "local_key_provider_enabled": False,
        "key_provider": "kms",
        "key_provider_id": key_provider_id,
        "public_logs": False,
        "public_sysinfo": True,
        "public_tcbinfo": True,
        "allowed_envs": [],
        "no_instance_id": False,
        "secure_time": True,
    }
    if event_log_version != 1:
        obj["event_log_version"] = event_log_version
    # vmm-cli style: indent 4, insertion order, no trailing newline. The hash is over these exact bytes.
    return json.dumps(obj, indent=4, ensure_ascii=False).encode()


def mr_config_id_v1(compose_hash: bytes) -> bytes:
    return b"\x01" + compose_hash + bytes(15)


def mr_config_id_v2(compose_hash: bytes, app_id: bytes, kp_name: str, kp_id: bytes) -> bytes:
    return b"\x02" + keccak256(compose_hash + app_id + bytes([KP_KIND[kp_name]]) + kp_id) + bytes(15)


def ratls_ext(oid: str, raw: bytes) -> x509.UnrecognizedExtension:
    # extnValue = DER OCTET STRING wrapping the raw bytes (dstack ra-tls cert.rs)
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), der_octets(raw))


def spki_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass
class DstackApp:
    variant: str
    app_name: str
    compose: bytes
    compose_hash: bytes
    app_id: bytes
    instance_id: bytes
    kp_name: str
    kp_id: bytes
    mr_config_id: bytes
    mr_config_version: int
    events: list[Event]
    mrtd: bytes
    rtmrs: list[bytes]
    os_image_hash: bytes


def build_app(variant: str, *, pin_app_id: bool, v2: bool, kms_spki: bytes, ev: int = 1,
              compose_yaml: str | None = None) -> DstackApp:
    name = f"devproof-test-app-{variant}"
    compose = app_compose_bytes(name, kms_spki.hex() if v2 else "", ev, compose_yaml)
    compose_hash = sha256(compose)
    app_id = label_bytes(f"dstack/{variant}/app-contract", 20) if pin_app_id else compose_hash[:20]
    instance_id = sha256(label_bytes(f"dstack/{variant}/instance-id-seed", 20) + app_id)[:20]
    os_image_hash = sha256(b"devproof TEST os image (synthetic)")
    kp_payload = compact({"name": "kms", "id": kms_spki.hex()}).encode()
    events = boot_events() + [
        runtime_event("system-preparing", b"", ev),
        runtime_event("app-id", app_id, ev),
        runtime_event("compose-hash", compose_hash, ev),
        runtime_event("instance-id", instance_id, ev),
        runtime_event("boot-mr-done", b"", ev),
        runtime_event("os-image-hash", os_image_hash, ev),
        runtime_event("key-provider", kp_payload, ev),
        runtime_event("storage-fs", b"zfs", ev),
        runtime_event("system-ready", b"", ev),
        runtime_event("devproof-test-app-event", f"app event emitted after system-ready ({variant})".encode(), ev),
    ]
    mrcfg = mr_config_id_v2(compose_hash, app_id, "kms", kms_spki) if v2 else mr_config_id_v1(compose_hash)
    return DstackApp(variant, name, compose, compose_hash, app_id, instance_id, "kms", kms_spki, mrcfg,
                     2 if v2 else 1, events, label_bytes(f"dstack/{variant}/mrtd", 48), replay(events),
                     os_image_hash)


def vm_config_json(app: DstackApp) -> str:
    return compact({"spec_version": 1, "os_image_hash": app.os_image_hash.hex(), "cpu_count": 2,
                    "memory_size": 2147483648, "qemu_single_pass_add_pages": False, "pic": True,
                    "pci_hole64_size": 0, "hugepages": False, "num_gpus": 0, "num_nvswitches": 0,
                    "hotplug_off": False, "image": "devproof-test-os-0.0.0"})


def mr_aggregated(app: DstackApp) -> bytes:
    b = app.mrtd + b"".join(app.rtmrs)
    owner = bytes(48)
    if any(app.mr_config_id) or any(owner):
        b += app.mr_config_id + owner + owner
    return b


def gen_dstack(w: Writer, pki: Pki, ctx: dict) -> dict:
    pck, plat, qe_id = ctx["pck_tdx"], ctx["plat_tdx"], ctx["qe_id"]
    kms_key = p256_key("dstack/kms-root-ca")
    kms_spki = spki_der(kms_key)

    def quote_for(app: DstackApp, label: str, report_data: bytes, **kw) -> bytes:
        body = TdReportBody(tee_tcb_svn=TEE_TCB_SVN, mr_seam=label_bytes("tdx-module-mrseam", 48), mr_td=app.mrtd,
                            mr_config_id=app.mr_config_id, rtmr=tuple(app.rtmrs), report_data=report_data)
        for k, v in kw.items():
            setattr(body, k, v)
        return make_quote(version=4, tee_type=TEE_TDX, body=body.encode(), pck=pck, pck_ca=pki.platform_ca,
                          root=pki.root, platform=plat, qe=TD_QE, att_key_label=f"attestation-key/dstack/{label}",
                          qe_id=qe_id)

    app_root = make_cert("dstack/app-root", x509.Name([x509.NameAttribute(
        NameOID.COMMON_NAME, "devproof TEST App Root Cert \u2014 not dstack")]), None, ca=True, path_len=1,
        not_before=utc(2026, 1, 1), not_after=utc(2036, 1, 1), crl_url=None)

    def ratls_cert(app: DstackApp, label: str, leaf_key_label: str, bind_key_label: str,
                   attestation_ext: bool = False) -> tuple[Cert, bytes]:
        leaf_key = p256_key(leaf_key_label)
        rd = sha512(b"ratls-cert:" + spki_der(p256_key(bind_key_label)))
        quote = quote_for(app, label, rd)
        if attestation_ext:  # dstack >= 0.5.9: one .1.8 extension with the SCALE attestation instead of .1.1/.1.2
            evidence_exts = [ratls_ext(RATLS_OID_ATTESTATION, attestation_v0(quote, app.events, rd, vm_config_json(app)))]
        else:
            evidence_exts = [ratls_ext(RATLS_OID_QUOTE, quote),
                             ratls_ext(RATLS_OID_EVENT_LOG, event_log_json(app.events, stripped=False).encode())]
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{app.app_name} (devproof TEST)")])
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(app_root.name)
             .public_key(leaf_key.public_key()).serial_number(serial_for(label))
             .not_valid_before(utc(2026, 1, 1)).not_valid_after(utc(2036, 1, 1))
             .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,
                                                   x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
             .add_extension(ratls_ext(RATLS_OID_USAGE, b"app:custom"), critical=False))
        for e in evidence_exts:
            b = b.add_extension(e, critical=False)
        cert = b.sign(app_root.key, hashes.SHA256(), ecdsa_deterministic=True)
        return Cert(label, leaf_key, cert), quote

    w.write("dstack/pki/app-root.pem", app_root.pem)
    w.write("dstack/pki/kms-root-ca.spki.der", kms_spki)

    variants = [
        ("v1", build_app("v1", pin_app_id=False, v2=False, kms_spki=kms_spki)),
        ("v2", build_app("v2", pin_app_id=True, v2=True, kms_spki=kms_spki)),
        ("v1-events-v2", build_app("v1-events-v2", pin_app_id=False, v2=False, kms_spki=kms_spki, ev=2)),
    ]
    manifest_variants = []
    for vname, app in variants:
        d = f"dstack/{vname}"
        w.write(f"{d}/app-compose.json", app.compose)
        w.write(f"{d}/os-ref.json", dumps_sorted({"mrtd": app.mrtd.hex(), "rtmr0": app.rtmrs[0].hex(),
                                                  "rtmr1": app.rtmrs[1].hex(), "rtmr2": app.rtmrs[2].hex()}))
        nonce = (f"devproof-test-nonce:{vname}".encode() + bytes(64))[:64]
        assert vname != "v1" or nonce.rstrip(b"\x00") == DEMO_NONCE_V1
        gq_quote = quote_for(app, f"{vname}/getquote", nonce)
        getquote = {"quote": gq_quote.hex(), "event_log": event_log_json(app.events, stripped=True),
                    "report_data": nonce.hex(), "vm_config": vm_config_json(app)}
        w.write(f"{d}/getquote.json", dumps_sorted(getquote))
        v0_ok = all(e.version == 1 for e in app.events)  # V0 SCALE cannot carry V2 runtime events
        if v0_ok:
            att = attestation_v0(gq_quote, app.events, nonce, vm_config_json(app))
            w.write(f"{d}/attestation.json", dumps_sorted({"attestation": att.hex()}))
            leaf8, _ = ratls_cert(app, f"{vname}/ratls-attestation", f"dstack/{vname}/ratls-leaf-8",
                                  f"dstack/{vname}/ratls-leaf-8", attestation_ext=True)
            w.write(f"{d}/ratls-cert-attestation.pem", leaf8.pem + app_root.pem)
        leaf, _ = ratls_cert(app, f"{vname}/ratls", f"dstack/{vname}/ratls-leaf", f"dstack/{vname}/ratls-leaf")
        app_cert = leaf.pem + app_root.pem
        w.write(f"{d}/ratls-cert.pem", app_cert)
        device_id = sha256(plat.ppid)
        mragg = sha256(mr_aggregated(app))
        tcb_info = {
            "mrtd": app.mrtd.hex(), "rtmr0": app.rtmrs[0].hex(), "rtmr1": app.rtmrs[1].hex(),
            "rtmr2": app.rtmrs[2].hex(), "rtmr3": app.rtmrs[3].hex(), "mr_aggregated": mragg.hex(),
            "os_image_hash": app.os_image_hash.hex(), "compose_hash": app.compose_hash.hex(),
            "device_id": device_id.hex(), "event_log": [e.full() for e in app.events],
            "app_compose": app.compose.decode(),
        }
        info = {
            "app_id": app.app_id.hex(), "instance_id": app.instance_id.hex(), "app_cert": app_cert,
            "tcb_info": json.dumps(tcb_info, indent=2, ensure_ascii=False), "app_name": app.app_name,
            "device_id": device_id.hex(), "mr_aggregated": mragg.hex(), "os_image_hash": app.os_image_hash.hex(),
            "key_provider_info": compact({"name": app.kp_name, "id": app.kp_id.hex()}),
            "compose_hash": app.compose_hash.hex(), "vm_config": vm_config_json(app),
        }
        w.write(f"{d}/info.json", dumps_sorted(info))
        mr_key_provider = sha256(compact({"name": app.kp_name, "id": app.kp_id.hex()}).encode())
        files = {"app_compose": f"{d}/app-compose.json", "getquote": f"{d}/getquote.json",
                 "os_ref": f"{d}/os-ref.json", "info": f"{d}/info.json", "ratls_cert": f"{d}/ratls-cert.pem"}
        extra = {}
        if v0_ok:
            files.update({"attestation": f"{d}/attestation.json",
                          "ratls_cert_attestation": f"{d}/ratls-cert-attestation.pem"})
            extra["ratls_attestation_report_data"] = sha512(b"ratls-cert:" + spki_der(leaf8.key)).hex()
        manifest_variants.append({
            "name": vname,
            "description": {
                "v1": "mr_config_id v1 (0x01 || compose_hash), app_id = compose_hash[0..20]",
                "v2": "mr_config_id v2 (0x02 || keccak256(compose_hash || app_id || 0x02 || kms_spki)), "
                      "app_id pinned (not derived from compose_hash), key_provider_id set in app-compose",
                "v1-events-v2": "as v1, but app-compose sets event_log_version 2: runtime event digests are "
                                "sha384(JCS({name, payload hex, type})); GetQuote events carry version 2 and the "
                                "preimage; no V0 SCALE attestation (it cannot carry V2 events)"}[vname],
            "files": files,
            "dcap": {"collateral": "dcap/collateral-tdx.json", "root_ca": "dcap/pki/root-ca.der", "now": unix(NOW),
                     "tcb_status": "UpToDate", "advisory_ids": []},
            "expected": {
                "compose_hash": app.compose_hash.hex(), "app_id": app.app_id.hex(),
                "instance_id": app.instance_id.hex(), "key_provider": {"name": app.kp_name, "id": app.kp_id.hex()},
                "mr_config_id": app.mr_config_id.hex(), "mr_config_version": app.mr_config_version,
                "mrtd": app.mrtd.hex(), "rtmr0": app.rtmrs[0].hex(), "rtmr1": app.rtmrs[1].hex(),
                "rtmr2": app.rtmrs[2].hex(), "rtmr3": app.rtmrs[3].hex(),
                "getquote_report_data": nonce.hex(),
                "ratls_report_data": sha512(b"ratls-cert:" + spki_der(leaf.key)).hex(),
                "ratls_leaf_spki_sha256": sha256(spki_der(leaf.key)).hex(),
                **extra,
                "runtime_event_version": 2 if not v0_ok else 1,
                "os_image_hash": app.os_image_hash.hex(), "device_id": device_id.hex(),
                "mr_aggregated": mragg.hex(),
                "mr_system": sha256(app.mrtd + b"".join(app.rtmrs[:3]) + mr_key_provider).hex(),
                "runtime_events_before_system_ready": [e.event for e in app.events if e.imr == 3][
                    :[e.event for e in app.events if e.imr == 3].index("system-ready")],
                "app_events_after_system_ready": [
                    {"event": e.event, "payload_hex": e.payload.hex()} for e in app.events if e.imr == 3][
                    [e.event for e in app.events if e.imr == 3].index("system-ready") + 1:],
                "event_log_stripped_in_getquote": True,
            },
        })
        if vname == "v1":
            base_app = app

    # --- negative dstack cases (built from v1) -------------------------------------------------------------
    app = base_app
    neg = []
    # 1. event log does not replay to the quote's RTMR3: the compose-hash event payload was swapped.
    other_hash = sha256(b"some other compose file")
    forged = [runtime_event("compose-hash", other_hash) if e.event == "compose-hash" else e for e in app.events]
    gq_quote = quote_for(app, "neg/rtmr3-mismatch", (b"devproof-test-nonce:neg" + bytes(64))[:64])
    w.write("dstack/negative/getquote-rtmr3-mismatch.json", dumps_sorted({
        "quote": gq_quote.hex(), "event_log": event_log_json(forged, stripped=True),
        "report_data": (b"devproof-test-nonce:neg" + bytes(64))[:64].hex(), "vm_config": vm_config_json(app)}))
    neg.append({"name": "rtmr3-mismatch", "file": "dstack/negative/getquote-rtmr3-mismatch.json",
                "description": "the compose-hash event payload was replaced: RTMR3 replay != quote RTMR3",
                "expected": {"accepted": False, "reason": "rtmr3_replay_mismatch",
                             "replayed_rtmr3": replay(forged)[3].hex(), "quote_rtmr3": app.rtmrs[3].hex()}})
    # 2. app-compose re-serialized (sorted, compact): same JSON content, different bytes, different hash.
    reser = json.dumps(json.loads(app.compose), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    w.write("dstack/negative/app-compose-reserialized.json", reser)
    neg.append({"name": "compose-reserialized", "file": "dstack/negative/app-compose-reserialized.json",
                "pairs_with": "dstack/v1/getquote.json",
                "description": "v1 app-compose.json re-serialized (sorted keys, compact): same content, other bytes; "
                               "its sha256 does not match the compose-hash event",
                "expected": {"accepted": False, "reason": "compose_hash_mismatch",
                             "sha256": sha256(reser).hex(), "compose_hash": app.compose_hash.hex()}})
    # 3. RA-TLS cert whose quote binds another key (report_data != sha512("ratls-cert:" || this cert's SPKI)).
    bad, _ = ratls_cert(app, "neg/ratls-wrong-key", "dstack/neg/ratls-leaf", "dstack/neg/some-other-key")
    w.write("dstack/negative/ratls-cert-wrong-binding.pem", bad.pem + app_root.pem)
    neg.append({"name": "ratls-wrong-binding", "file": "dstack/negative/ratls-cert-wrong-binding.pem",
                "description": "RA-TLS leaf whose embedded quote's report_data binds a different public key",
                "expected": {"accepted": False, "reason": "ratls_report_data_mismatch"}})
    # 4. a second compose-hash event after system-ready: decoders must keep the first one (before system-ready).
    late = app.events + [runtime_event("compose-hash", other_hash)]
    late_app = DstackApp(**{**app.__dict__, "events": late, "rtmrs": replay(late)})
    gq_quote = quote_for(late_app, "neg/late-compose-event", (b"devproof-test-nonce:late" + bytes(64))[:64])
    w.write("dstack/negative/getquote-late-compose-event.json", dumps_sorted({
        "quote": gq_quote.hex(), "event_log": event_log_json(late, stripped=True),
        "report_data": (b"devproof-test-nonce:late" + bytes(64))[:64].hex(), "vm_config": vm_config_json(app)}))
    neg.append({"name": "late-compose-event", "file": "dstack/negative/getquote-late-compose-event.json",
                "description": "valid quote and log, but an app emitted another 'compose-hash' event after "
                               "system-ready; the app identity must come from events before system-ready",
                "expected": {"accepted": True, "compose_hash": app.compose_hash.hex(),
                             "ignored_late_compose_hash": other_hash.hex(), "rtmr3": late_app.rtmrs[3].hex()}})
    keys = gen_keys(w, variants[1][1].app_id)
    from fixtures_tls import gen_gateway, gen_ingress, gen_tls  # Fixtures/tls (devproof tls): these apps, quote signer, KMS key
    tls = gen_tls(w, sys.modules[__name__], quote_for=quote_for, apps=dict(variants), kms_key=kms_key)
    tls["gateway"] = gen_gateway(w, sys.modules[__name__], quote_for=quote_for, apps=dict(variants))
    gen_ingress(w, sys.modules[__name__], quote_for=quote_for, apps=dict(variants))
    w.write("tls/manifest.json", dumps_sorted({"schema": "devproof.fixtures.tls/v1",
                                               "generator": "scripts/gen_fixtures.py (scripts/fixtures_tls.py)",
                                               "dcap_now": unix(NOW), "expected": tls}))
    gen_lightclient(w, quote_for, kms_spki)
    return {"schema": "devproof.fixtures.dstack/v1", "generator": "scripts/gen_fixtures.py", "keys": keys,
            "note": "Synthetic dstack evidence; quotes signed through the devproof TEST PKI (NOT Intel). "
                    "MRTD and RTMR0-2 are replays of synthetic boot events, not of a real OS image.",
            "variants": manifest_variants, "negative": neg}


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def hkdf_ratls(ikm: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"RATLS", info=info).derive(ikm)


def k256_sign(priv: bytes, msg: bytes) -> bytes:
    """secp256k1 recoverable signature over keccak256(msg): r || s || recid (0/1), RFC 6979 (libsecp256k1)."""
    import coincurve
    return coincurve.PrivateKey(priv).sign_recoverable(keccak256(msg), hasher=None)


def k256_pub(priv: bytes) -> bytes:
    import coincurve
    return coincurve.PrivateKey(priv).public_key.format(compressed=True)


def eth_address(priv: bytes) -> str:
    import coincurve
    from eth_utils import to_checksum_address
    raw = coincurve.PrivateKey(priv).public_key.format(compressed=False)[1:]
    return to_checksum_address(keccak256(raw)[12:])


def gen_keys(w: Writer, app_id: bytes) -> dict:
    """dstack KMS key chain with a TEST KMS root k256 key: KMS root -> app key -> GetKey-derived key."""
    kms_priv = (int.from_bytes(sha256(SEED_PREFIX + b"key/dstack/kms-root-k256"), "big") % (SECP256K1_N - 1) + 1
                ).to_bytes(32, "big")
    app_priv = hkdf_ratls(kms_priv, app_id + b"app-key")
    path, purpose = "/devproof/test", "signing"
    derived = hkdf_ratls(app_priv, path.encode())
    assert 0 < int.from_bytes(app_priv, "big") < SECP256K1_N and 0 < int.from_bytes(derived, "big") < SECP256K1_N
    kms_sig = k256_sign(kms_priv, b"dstack-kms-issued:" + app_id + k256_pub(app_priv))
    app_sig = k256_sign(app_priv, f"{purpose}:{k256_pub(derived).hex()}".encode())
    w.write("dstack/keys/getkey.json", dumps_sorted({"key": derived.hex(), "signature_chain": [app_sig.hex(),
                                                                                              kms_sig.hex()]}))
    w.write("dstack/keys/appkeys.json", dumps_sorted({"k256_key": app_priv.hex(), "k256_signature": kms_sig.hex()}))
    # negative: the "KMS" signature comes from another key (an impostor KMS); it recovers a different root.
    rogue = (int.from_bytes(sha256(SEED_PREFIX + b"key/dstack/rogue-kms-k256"), "big") % (SECP256K1_N - 1) + 1
             ).to_bytes(32, "big")
    rogue_sig = k256_sign(rogue, b"dstack-kms-issued:" + app_id + k256_pub(app_priv))
    w.write("dstack/keys/getkey-rogue-kms.json", dumps_sorted({"key": derived.hex(),
                                                               "signature_chain": [app_sig.hex(), rogue_sig.hex()]}))
    return {
        "app_id": app_id.hex(), "path": path, "purpose": purpose,
        "files": {"getkey": "dstack/keys/getkey.json", "appkeys": "dstack/keys/appkeys.json"},
        "expected": {"kms_root_pubkey": k256_pub(kms_priv).hex(), "kms_root_address": eth_address(kms_priv),
                     "app_pubkey": k256_pub(app_priv).hex(), "derived_pubkey": k256_pub(derived).hex()},
        "negative": [{"name": "rogue-kms", "file": "dstack/keys/getkey-rogue-kms.json",
                      "description": "KMS signature by another key: recovers a root that is not the TEST KMS root",
                      "expected": {"accepted": False, "reason": "kms_root_mismatch",
                                   "recovered_root_pubkey": k256_pub(rogue).hex()}}],
    }


def check_dstack(out: Path, manifest: dict):
    """Independent re-check of what was written: dcap-qvl on every quote, dstack-sdk RTMR replay of the full
    event log, compose hash of the raw bytes, RA-TLS binding parsed back from the PEM."""
    import dcap_qvl
    from dstack_sdk.dstack_client import replay_rtmr
    root = (out / "dcap/pki/root-ca.der").read_bytes()
    coll = (out / "dcap/collateral-tdx.json").read_text()
    problems = []
    for v in manifest["variants"]:
        f, x = v["files"], v["expected"]
        gq = json.loads((out / f["getquote"]).read_text())
        info = json.loads((out / f["info"]).read_text())
        quotes = {"getquote": bytes.fromhex(gq["quote"])}
        certs = x509.load_pem_x509_certificates((out / f["ratls_cert"]).read_bytes())
        leaf = certs[0]
        ext = {e.oid.dotted_string: e.value.value for e in leaf.extensions
               if isinstance(e.value, x509.UnrecognizedExtension)}
        quotes["ratls"] = der_read_octets(ext[RATLS_OID_QUOTE])
        if "attestation" in f:
            quotes["attestation"] = attestation_v0_quote(bytes.fromhex(
                json.loads((out / f["attestation"]).read_text())["attestation"]))
            leaf8 = x509.load_pem_x509_certificates((out / f["ratls_cert_attestation"]).read_bytes())[0]
            quotes["ratls8"] = attestation_v0_quote(der_read_octets(leaf8.extensions.get_extension_for_oid(
                x509.ObjectIdentifier(RATLS_OID_ATTESTATION)).value.value))
            if quotes["ratls8"][48 + 520:48 + 584] != sha512(b"ratls-cert:" + leaf8.public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)):
                problems.append(f"{v['name']}: RA-TLS (.1.8) report_data binding")
        for kind, q in quotes.items():
            r = dcap_qvl_verify(q, coll, root, unix(NOW))
            if not r["accepted"] or r["status"] != "UpToDate":
                problems.append(f"{v['name']}/{kind}: dcap-qvl {r}")
            body = q[48:632]
            regs = {"mrtd": body[136:184], "rtmr0": body[328:376], "rtmr1": body[376:424], "rtmr2": body[424:472],
                    "rtmr3": body[472:520]}
            for k, val in regs.items():
                if val.hex() != x[k]:
                    problems.append(f"{v['name']}/{kind}: {k} differs")
            if body[184:232].hex() != x["mr_config_id"]:
                problems.append(f"{v['name']}/{kind}: mr_config_id differs")
        rd = sha512(b"ratls-cert:" + leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
        if quotes["ratls"][48 + 520:48 + 584] != rd:
            problems.append(f"{v['name']}: RA-TLS report_data binding")
        tcb = json.loads(info["tcb_info"])
        for i in range(4):
            hist = [e["digest"] for e in tcb["event_log"] if e["imr"] == i]
            if replay_rtmr(hist) != x[f"rtmr{i}"]:
                problems.append(f"{v['name']}: dstack-sdk replay of rtmr{i} differs")
        if sha256((out / f["app_compose"]).read_bytes()).hex() != x["compose_hash"] or \
                sha256(tcb["app_compose"].encode()).hex() != x["compose_hash"]:
            problems.append(f"{v['name']}: compose hash")
    # The negative cases are about dstack bindings only: their quotes themselves must be DCAP-valid.
    for n in manifest["negative"]:
        p = out / n["file"]
        if p.name.startswith("getquote-"):
            q = bytes.fromhex(json.loads(p.read_text())["quote"])
        elif p.suffix == ".pem":
            leaf = x509.load_pem_x509_certificates(p.read_bytes())[0]
            q = der_read_octets(leaf.extensions.get_extension_for_oid(
                x509.ObjectIdentifier(RATLS_OID_QUOTE)).value.value)
        else:
            continue
        r = dcap_qvl_verify(q, coll, root, unix(NOW))
        if not r["accepted"]:
            problems.append(f"negative/{n['name']}: quote not DCAP-valid: {r}")
    if problems:
        raise SystemExit("gen_fixtures: dstack evidence self-check failed:\n  " + "\n  ".join(problems))


DSTACK_README = """\
# Fixtures/dstack — synthetic dstack evidence (TEST PKI, NOT Intel, NOT a real dstack deployment)

Generated by `scripts/gen_fixtures.py` (`make fixtures`), deterministically. Quotes are TDX v4 quotes signed through
the DCAP TEST PKI of `../dcap` (verify with `--collateral dcap/collateral-tdx.json --root-ca dcap/pki/root-ca.der
--now {now}`: UpToDate). RTMR0-2 and MRTD are replays/values of synthetic boot events, not of a real OS image;
RTMR3 is the replay of a dstack runtime event log (V1 digests:
sha384(le32(0x08000001) ‖ ":" ‖ name ‖ ":" ‖ payload)).

`manifest.json` lists, per variant, the files and the expected values (compose hash, app id, instance id, key
provider, mr_config_id and its version, MRTD/RTMR0-3, report_data of each quote, device_id, mr_aggregated,
mr_system, runtime events before `system-ready` and app events after it), plus negative cases.

## Variants
| dir | what |
|---|---|
| `v1/` | key provider `kms` without `key_provider_id` in app-compose → `mr_config_id` v1 = 0x01 ‖ compose_hash ‖ 0^15; app_id = compose_hash[0..20] |
| `v1-events-v2/` | as `v1` but `event_log_version: 2` in app-compose: runtime digests = sha384(JCS({"name","payload"(hex),"type":134217729})); GetQuote events carry `"version":2` and `"preimage"` (digest empty); Info/RA-TLS logs carry `"version":2` and digests; no `attestation.json` / `ratls-cert-attestation.pem` (V0 SCALE cannot carry V2 events) |
| `v2/` | `key_provider_id` = hex of the TEST KMS root SPKI (`pki/kms-root-ca.spki.der`) in app-compose → `mr_config_id` v2 = 0x02 ‖ keccak256(compose_hash ‖ app_id ‖ 0x02 ‖ kms_spki) ‖ 0^15; app_id pinned (contract-address-like, not derived from the compose hash) |

Each variant directory holds:
| file | shape |
|---|---|
| `app-compose.json` | raw bytes as the VMM writes them (indent 4, insertion order, no trailing newline); compose_hash = sha256 of these bytes |
| `getquote.json` | dstack guest-agent `GetQuote` response `{quote (hex), event_log (JSON **string**, stripped form: runtime digests empty, boot payloads empty except ACPI DATA), report_data (hex, caller nonce zero-padded), vm_config (JSON string)}` |
| `info.json` | guest-agent / KMS `Info`-like `{app_id, instance_id, app_cert (PEM chain), tcb_info (JSON **string**: mrtd, rtmr0-3, mr_aggregated, os_image_hash, compose_hash, device_id, event_log (full, with digests), app_compose (raw text)), app_name, device_id, mr_aggregated, os_image_hash, key_provider_info (JSON string), compose_hash, vm_config}` |
| `os-ref.json` | reference OS measurements for `--os-ref`: `{mrtd, rtmr0, rtmr1, rtmr2}` (hex) = the synthetic boot's values |
| `attestation.json` | guest-agent `Attest` response `{attestation: hex}`: VersionedAttestation **V0 (SCALE)** = 0x00 ‖ DstackTdx{quote (= getquote.json's quote), event_log (3 ACPI events with digests + runtime events with empty digests)} ‖ runtime_events (name, payload) ‖ report_data[64] ‖ config (vm_config JSON) |
| `ratls-cert-attestation.pem` | RA-TLS chain in the dstack ≥ 0.5.9 form: evidence in one extension, OID 1.3.6.1.4.1.62397.1.8 = the V0 SCALE attestation (its quote binds this leaf's SPKI); no .1.1/.1.2 |
| `ratls-cert.pem` | RA-TLS chain: leaf (quote in OID 1.3.6.1.4.1.62397.1.1, full event log JSON in .1.2, usage "app:custom" in .1.4; extnValue = OCTET STRING of the raw bytes; quote report_data = sha512("ratls-cert:" ‖ leaf SubjectPublicKeyInfo DER)) ‖ self-signed TEST app root |

Runtime events (imr 3): system-preparing, app-id, compose-hash, instance-id, boot-mr-done, os-image-hash,
key-provider (`{"name":"kms","id":"<hex SPKI>"}`), storage-fs, system-ready, then one app event
`devproof-test-app-event` after system-ready.

## KMS key chain (`keys/`, app = the `v2` app id, TEST KMS root secp256k1 key)
`getkey.json`: guest-agent `GetKey` response `{key (derived secp256k1 private key), signature_chain: [app sig, KMS sig]}`
for path `/devproof/test`, purpose `signing`: app key = HKDF-SHA256(KMS root key, salt "RATLS", info app_id ‖
"app-key"); derived = HKDF(app key, "RATLS", path); app sig = recoverable secp256k1 over
keccak256("signing:" ‖ hex(derived compressed pubkey)); KMS sig over keccak256("dstack-kms-issued:" ‖ app_id ‖ app
compressed pubkey). `appkeys.json`: `{k256_key, k256_signature}` (KMS app-key output). `getkey-rogue-kms.json`:
the KMS signature is by another key. Expected pubkeys/address: `manifest.json` → `keys`.

## Negative cases (`negative/`)
| file | expected |
|---|---|
| `getquote-rtmr3-mismatch.json` | compose-hash event payload swapped: RTMR3 replay ≠ quote RTMR3 → reject |
| `app-compose-reserialized.json` | v1 compose re-serialized (sorted, compact): its sha256 ≠ v1 compose hash → reject when paired with `v1/getquote.json` |
| `ratls-cert-wrong-binding.pem` | leaf's quote report_data binds another key → reject |
| `getquote-late-compose-event.json` | valid, but a second `compose-hash` event after system-ready: identity must come from the first one (before system-ready) |

Checked when generated: dcap-qvl {dcap_qvl_version} accepts every quote (UpToDate); dstack-sdk's `replay_rtmr` on
the full event log reproduces RTMR0-3; sha256 of the compose bytes and of `tcb_info.app_compose` equals the compose
hash; the RA-TLS binding is recomputed from the PEM.
"""


# ---------------------------------------------------------------------------------------------------------------
# Demo script (make demo -> scripts/demo -> Fixtures/demo/commands.sh with BIN=path-to-devproof)

DEMO_SH = r"""#!/usr/bin/env bash
# GENERATED by scripts/gen_fixtures.py (make fixtures) - do not edit by hand.
# `make demo`: devproof on the project's own generated evidence. Run as: BIN=path/to/devproof bash commands.sh
# Exit status: 0 when the positive cases pass (or a feature is not implemented yet in this build: skipped with a
# message); 1 when a positive case fails or a negative example is ACCEPTED (that would be a verifier bug).
set -uo pipefail
BIN="${BIN:-.build/debug/devproof}"
cd "$(dirname "$0")/../.."
F=Fixtures
NOW=@NOW@   # @NOW_RFC3339@: the fixtures' fixed "now" (their collateral is valid @ISSUE@ .. @NEXT@)
DCAP=(--collateral "$F/dcap/collateral-tdx.json" --root-ca "$F/dcap/pki/root-ca.der" --now "$NOW")
status=0

banner() { printf '\n===== %s\n' "$*"; }
echo "NOTE: all evidence below is generated by scripts/gen_fixtures.py and signed by the project's own"
echo "      TEST root CA (\"devproof TEST Root CA - not Intel\"). It proves nothing about real hardware;"
echo "      it is passed explicitly with --root-ca. Against Intel's pinned root every one of these quotes fails."

# run LABEL EXPECT(pass|fail) ARGS... : prints the report, judges the exit code.
run() {
  local label="$1" expect="$2"; shift 2
  local out rc
  out="$("$BIN" "$@" 2>&1)"; rc=$?
  if [ $rc -eq 2 ] && grep -q "not implemented" <<<"$out"; then
    echo "(skipped: '$label' needs a feature this devproof build does not implement yet: ${out##*error: })"
    return 0
  fi
  if [ "$expect" = pass ] || [ "$expect" = pass-or-inconclusive ]; then
    printf '%s\n' "$out"
    if [ $rc -eq 0 ]; then echo "-> as expected: PASS (exit 0)"
    elif [ $rc -eq 3 ] && [ "$expect" = pass-or-inconclusive ]; then
      echo "-> INCONCLUSIVE (exit 3): some checks could not run (see the SKIP lines); not counted as a failure"
    else echo "-> UNEXPECTED: exit $rc for a valid case"; status=1; fi
  else
    grep -E "^devproof |\[FAIL\]|error:" <<<"$out" || printf '%s\n' "$out" | head -5
    if [ $rc -eq 1 ]; then echo "-> as expected: rejected (exit 1)";
    elif [ $rc -eq 0 ]; then echo "-> UNEXPECTED: accepted a case that must be rejected"; status=1;
    else echo "-> rejected with exit $rc (expected 1: the evidence contradicts the claim)"; fi
  fi
}

banner "DCAP: valid TDX v4 quote (TEST PKI), human report"
run "attest --quote" pass attest --quote "$F/dcap/tdx-v4-valid.quote" "${DCAP[@]}"

banner "DCAP: TDX v5 / TD 1.5 quote"
run "attest --quote (v5)" pass attest --quote "$F/dcap/tdx-v5-td15.quote" "${DCAP[@]}"

banner "DCAP negative examples (devproof must reject each; non-zero exits are expected here)"
echo "--- quote certified by a revoked PCK leaf"
run "attest --quote" fail attest --quote "$F/dcap/tdx-v4-revoked-pck.quote" "${DCAP[@]}"
echo "--- debug TD"
run "attest --quote" fail attest --quote "$F/dcap/tdx-v4-debug.quote" "${DCAP[@]}"
echo "--- collateral whose PCK CRL expired before --now"
run "attest --quote" fail attest --quote "$F/dcap/tdx-v4-valid.quote" --collateral "$F/dcap/collateral-tdx-expired-crl.json" \
  --root-ca "$F/dcap/pki/root-ca.der" --now "$NOW"
echo "--- TCB info for another FMSPC"
run "attest --quote" fail attest --quote "$F/dcap/tdx-v4-valid.quote" --collateral "$F/dcap/collateral-tdx-wrong-fmspc.json" \
  --root-ca "$F/dcap/pki/root-ca.der" --now "$NOW"

banner "dstack: GetQuote response + app-compose.json (mr_config_id v1)"
run "attest --evidence" pass-or-inconclusive attest --evidence "$F/dstack/v1/getquote.json" \
  --app-compose "$F/dstack/v1/app-compose.json" --os-ref "$F/dstack/v1/os-ref.json" --bind raw:@NONCE_V1@ "${DCAP[@]}"

banner "dstack: Info response with RA-TLS app_cert (mr_config_id v2, KMS key provider)"
run "attest --evidence" pass-or-inconclusive attest --evidence "$F/dstack/v2/info.json" --os-ref "$F/dstack/v2/os-ref.json" "${DCAP[@]}"

banner "dstack negative example: event log does not replay to the quote's RTMR3"
run "attest --evidence" fail attest --evidence "$F/dstack/negative/getquote-rtmr3-mismatch.json" \
  --os-ref "$F/dstack/v1/os-ref.json" "${DCAP[@]}"

banner "keys: GetKey signature chain of the v2 app up to the TEST KMS root (app id from the attested evidence)"
run "keys" pass keys --response "$F/dstack/keys/getkey.json" --purpose @PURPOSE@ --app-id @APP_ID@ --kms-root @KMS_ROOT@

banner "keys negative example: KMS signature by an impostor key"
run "keys" fail keys --response "$F/dstack/keys/getkey-rogue-kms.json" --purpose @PURPOSE@ --app-id @APP_ID@ --kms-root @KMS_ROOT@

echo
if [ $status -eq 0 ]; then echo "demo: OK"; else echo "demo: FAILED (see UNEXPECTED above)"; fi
exit $status
"""


FIXTURES_README = """\
# Fixtures — evidence generated by the project itself (TEST PKI, NOT Intel, NOT a real dstack deployment)

Everything here is written by `scripts/gen_fixtures.py` (`make fixtures`), deterministically: running it twice gives
byte-identical files, and `Tests/EndToEndTests/FixturesTests.swift` regenerates into a temp dir and compares.
Do not edit these files by hand; change the generator. Real-world evidence lives outside the repo
(`$DEVPROOF_CORPUS`).

| dir | what |
|---|---|
| `dcap/` | DCAP TEST PKI, collateral (dcap-qvl QuoteCollateralV3 JSON), TDX v4/v5 and SGX v3 quotes, positive and negative cases; `manifest.json` with expected results checked against dcap-qvl 0.7.0 |
| `dstack/` | dstack evidence bound to TEST-PKI quotes: GetQuote / Attest / Info responses, RA-TLS certs, app-compose, KMS key chain; `manifest.json` with expected identities and registers |
| `lightclient/` | tutorial-07-shaped light-client proofs (claim, claimHash, P-256 signature, TEST-PKI quote binding ASCII(hex(claimHash))), their app-compose pinning the checkpoint, a synthetic Prague block header whose state holds the checkpoint in the EIP-4788 beacon-roots storage (checkpoint time = fixtures' now − 3600), and that account's eth_getProof |
| `tls/` | `devproof tls` inputs (scripts/fixtures_tls.py): KMS-issued RA-TLS chains and negatives (`ratls/`), the tutorial-04 server certificate, /attestation JSON, MITM and truncated variants (`tutorial/`), a dstack-gateway acme-info with CAA/CT files (`gateway/`), dstack-ingress evidence (`ingress/`); keys for the loopback test servers |
| `demo/` | `commands.sh`, run by `make demo` |
"""


def write_demo(w: Writer, keys: dict):
    text = (DEMO_SH.replace("@NOW@", str(unix(NOW))).replace("@NOW_RFC3339@", rfc3339(NOW))
            .replace("@APP_ID@", keys["app_id"]).replace("@KMS_ROOT@", keys["expected"]["kms_root_address"])
            .replace("@PURPOSE@", keys["purpose"])
            .replace("@NONCE_V1@", DEMO_NONCE_V1.hex())
            .replace("@ISSUE@", rfc3339(ISSUE)).replace("@NEXT@", rfc3339(NEXT)))
    w.write("demo/commands.sh", text)
    os.chmod(w.out / "demo/commands.sh", 0o755)


# ---------------------------------------------------------------------------------------------------------------
# lightclient/: tutorial 07's oracle output, produced the way oracle.py does it, signed through the TEST PKI.

LC_CHECKPOINT = "0x" + label_bytes("lightclient/checkpoint", 32).hex()
LC_DAI = "0x6b175474e89094c44da98b954eedeac495271d0f"
LC_COMPOSE = """services:
  app:
    configs:
      - source: run.sh
        target: /root/run.sh
    image: ghcr.io/devproof-test/lightclient@sha256:{digest}
configs:
  run.sh:
    content: |
      # Helios 0.11.0: https://github.com/a16z/helios/releases/download/0.11.0/helios_linux_amd64.tar.gz
      CHECKPOINT="{checkpoint}"
      /root/helios ethereum --network mainnet --checkpoint "$$CHECKPOINT" &
      python3 /root/oracle.py "$$CHECKPOINT"
"""


LC_BEACON_ROOTS = "0x000f3df6d732807ef1319fb7b8bb8522d0beac02"


def lc_state(checkpoint_ts: int) -> tuple[bytes, dict]:
    """A state trie whose only account is the EIP-4788 beacon-roots contract, holding the checkpoint as the
    root recorded at checkpoint_ts (slots ts % 8191 and ts % 8191 + 8191); returns (stateRoot, eth_getProof)."""
    import rlp
    from trie import HexaryTrie
    slots = {checkpoint_ts % 8191: checkpoint_ts, checkpoint_ts % 8191 + 8191: int(LC_CHECKPOINT, 16)}
    storage = HexaryTrie(db={})
    for k, v in slots.items():
        storage[keccak256(k.to_bytes(32, "big"))] = rlp.encode(v)
    code_hash = keccak256(b"devproof TEST stand-in for the EIP-4788 bytecode")
    addr = bytes.fromhex(LC_BEACON_ROOTS[2:])
    state = HexaryTrie(db={})
    state[keccak256(addr)] = rlp.encode([1, 0, storage.root_hash, code_hash])
    proof = {"address": LC_BEACON_ROOTS, "nonce": "0x1", "balance": "0x0", "storageHash": "0x" + storage.root_hash.hex(),
             "codeHash": "0x" + code_hash.hex(),
             "accountProof": ["0x" + rlp.encode(n).hex() for n in state.get_proof(keccak256(addr))],
             "storageProof": [{"key": "0x" + k.to_bytes(32, "big").hex(), "value": hex(v),
                               "proof": ["0x" + rlp.encode(n).hex() for n in storage.get_proof(keccak256(k.to_bytes(32, "big")))]}
                              for k, v in slots.items()]}
    return state.root_hash, proof


def lc_block(number: int, timestamp: int, state_root: bytes) -> dict:
    """A synthetic Prague-shaped block (21 header fields) as eth_getBlockByNumber returns it."""
    import rlp
    empty_root = keccak256(rlp.encode(b""))
    fields = [
        ("parentHash", label_bytes(f"lightclient/block/{number - 1}", 32)), ("sha3Uncles", keccak256(rlp.encode([]))),
        ("miner", label_bytes("lightclient/miner", 20)), ("stateRoot", state_root),
        ("transactionsRoot", empty_root), ("receiptsRoot", empty_root), ("logsBloom", bytes(256)),
        ("difficulty", 0), ("number", number), ("gasLimit", 36_000_000), ("gasUsed", 0), ("timestamp", timestamp),
        ("extraData", b"devproof TEST block"), ("mixHash", label_bytes(f"lightclient/randao/{number}", 32)),
        ("nonce", bytes(8)), ("baseFeePerGas", 1_000_000_007), ("withdrawalsRoot", empty_root), ("blobGasUsed", 0),
        ("excessBlobGas", 0), ("parentBeaconBlockRoot", label_bytes(f"lightclient/beacon/{number}", 32)),
        ("requestsHash", sha256(b"")),
    ]
    block = {k: (hex(v) if isinstance(v, int) else "0x" + v.hex()) for k, v in fields}
    block["hash"] = "0x" + keccak256(rlp.encode([v for _, v in fields])).hex()
    block["transactions"] = []
    block["uncles"] = []
    block["withdrawals"] = []
    return block


def gen_lightclient(w: Writer, quote_for, kms_spki: bytes):
    digest = label_bytes("image/lightclient", 32).hex()
    app = build_app("lightclient", pin_app_id=False, v2=False, kms_spki=kms_spki,
                    compose_yaml=LC_COMPOSE.format(digest=digest, checkpoint=LC_CHECKPOINT))
    other = app_compose_bytes(app.app_name, "", 1, LC_COMPOSE.format(digest=digest, checkpoint="0x" + "11" * 32))
    w.write("lightclient/app-compose.json", app.compose)
    w.write("lightclient/app-compose-other-checkpoint.json", other)
    w.write("lightclient/event-log.json", event_log_json(app.events, stripped=False))
    state_root, beacon_proof = lc_state(unix(NOW) - 3600)
    block = lc_block(21_000_000, unix(NOW) - 120, state_root)
    w.write("lightclient/block.json", dumps_sorted(block))
    w.write("lightclient/beacon-roots-proof.json", dumps_sorted(beacon_proof))
    key = p256_key("lightclient/oracle-key")

    def proof(claim: dict, with_quote: bool, label: str) -> str:
        claim_hash = sha256(json.dumps(claim, sort_keys=True).encode())
        quote = quote_for(app, f"lightclient/{label}", claim_hash.hex().encode()) if with_quote else None
        return json.dumps({"claim": claim, "claimHash": claim_hash.hex(), "signature": sign_raw(key, claim_hash).hex(),
                           "pubkey": raw_pub(key).hex(), "quote": quote.hex() if quote else None}, indent=2) + "\n"

    claim = {"type": "lightclient_attestation", "network": "mainnet", "checkpoint_root": LC_CHECKPOINT,
             "block_number": int(block["number"], 16), "block_hash": block["hash"], "state_root": block["stateRoot"],
             "call": {"to": LC_DAI, "data": "0x18160ddd", "result": "0x" + (5_365_000_000 * 10**18).to_bytes(32, "big").hex()}}
    w.write("lightclient/proof.json", proof(claim, True, "proof"))
    w.write("lightclient/proof-no-quote.json", proof(claim, False, "no-quote"))
    # A non-ASCII network name: the claim hash depends on ensure_ascii escaping (\u00e9).
    w.write("lightclient/proof-unicode.json", proof({**claim, "network": "r\u00e9seau-test"}, True, "unicode"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out = Path(argv[1])
    # Regenerate only the directories this generator owns.
    for sub in ("dcap", "dstack", "demo", "tls", "lightclient"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    out.mkdir(parents=True, exist_ok=True)
    w = Writer(out)
    pki = Pki()
    cases, ctx = gen_dcap(w, pki)
    entries = check_dcap_cases(out, cases, pki.root.der)
    w.write("dcap/manifest.json", dumps_sorted({
        "schema": "devproof.fixtures.dcap/v1",
        "generator": "scripts/gen_fixtures.py",
        "note": "TEST PKI generated by the devproof project, NOT Intel. Do not trust outside tests.",
        "oracle": f"dcap-qvl {DCAP_QVL_VERSION} verify_with_root_ca",
        "cases": entries,
    }))
    write_dcap_readme(w, entries)
    dstack_manifest = gen_dstack(w, pki, ctx)
    w.write("dstack/manifest.json", dumps_sorted(dstack_manifest))
    w.write("dstack/README.md", DSTACK_README.replace("{now}", str(unix(NOW)))
            .replace("{dcap_qvl_version}", DCAP_QVL_VERSION))
    check_dstack(out, dstack_manifest)
    write_demo(w, dstack_manifest["keys"])
    w.write("README.md", FIXTURES_README)
    print(f"gen_fixtures: wrote {len(w.files)} files under {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
