"""TLS fixtures for `devproof tls` (called by gen_fixtures.py; deterministic like the rest).

Writes Fixtures/tls/:
  ratls/    dstack KMS-issued RA-TLS chains: leaf (.1.3 app id, .1.4 usage, .1.8 SCALE V0 attestation whose quote
            binds sha512("ratls-cert:" || leaf SPKI)) -> "Dstack App CA" (.1.3, .1.4 "app:ca") -> "Dstack KMS CA"
            (self-signed, the TEST KMS root key whose SPKI is the v2 app's key-provider id). Like real dstack CAs,
            the App/KMS CA certificates carry KeyUsage digitalSignature WITHOUT keyCertSign. Negatives: a bad
            App CA signature, another KMS CA, another app id in the leaf, a wrong usage on the App CA.
  tutorial/ tutorial section 04 shape: a self-signed CN=tee-oracle server certificate and the /attestation JSON
            {certFingerprint, quote (hex of hex), eventLog} with report_data = sha256(cert DER) || 0^32;
            a man-in-the-middle certificate and the honest attestation with certFingerprint rewritten;
            the Let's Encrypt variant's truncated quote.
"""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OID_APP_ID = "1.3.6.1.4.1.62397.1.3"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "devproof TEST (not dstack)")])


def _ku(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=False,
                         encipher_only=False, decipher_only=False)


def _key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def gen_tls(w, g, *, quote_for, apps: dict, kms_key) -> dict:
    nb, na = g.utc(2026, 1, 1), g.utc(2036, 1, 1)
    san = x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                       x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))])

    def build(label, subject, issuer_name, issuer_key, pub, *, ca, exts=(), leaf=False):
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(pub)
             .serial_number(g.serial_for(label)).not_valid_before(nb).not_valid_after(na)
             .add_extension(_ku(False), critical=True))
        if ca is not None:
            b = b.add_extension(x509.BasicConstraints(ca=ca[0], path_length=ca[1]), critical=True)
        if leaf:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                       ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            b = b.add_extension(san, critical=False)
        for e in exts:
            b = b.add_extension(e, critical=False)
        return b.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)

    # --- dstack KMS-issued RA-TLS chains (the v2 app: key provider kms, id = hex(TEST KMS root SPKI)) --------
    app = apps["v2"]
    kms_name = _name("Dstack KMS CA")
    kms_ca = build("tls/kms-ca", kms_name, kms_name, kms_key, kms_key.public_key(), ca=(True, None))

    def app_ca_for(issuer_name, issuer_key, usage=b"app:ca", label="tls/app-ca"):
        k = g.p256_key("tls/app-ca")
        return build(label, _name("Dstack App CA"), issuer_name, issuer_key, k.public_key(), ca=(True, 0),
                     exts=[g.ratls_ext(OID_APP_ID, app.app_id), g.ratls_ext(g.RATLS_OID_USAGE, usage)]), k

    app_ca, app_ca_key = app_ca_for(kms_name, kms_key)
    leaf_key = g.p256_key("tls/ratls-leaf")
    rd = g.sha512(b"ratls-cert:" + g.spki_der(leaf_key))
    quote = quote_for(app, "tls/ratls-leaf", rd)
    att = g.attestation_v0(quote, app.events, rd, g.vm_config_json(app))

    def leaf_for(issuer: x509.Certificate, issuer_key, app_id=app.app_id, label="tls/ratls-leaf"):
        return build(label, _name(f"{app.app_name}.devproof.test"), issuer.subject, issuer_key,
                     leaf_key.public_key(), ca=None, leaf=True,
                     exts=[g.ratls_ext(OID_APP_ID, app_id), g.ratls_ext(g.RATLS_OID_USAGE, b"app:custom"),
                           g.ratls_ext(g.RATLS_OID_ATTESTATION, att)])

    leaf = leaf_for(app_ca, app_ca_key)
    w.write("tls/ratls/chain.pem", _pem(leaf) + _pem(app_ca) + _pem(kms_ca))
    w.write("tls/ratls/leaf-key.pem", _key_pem(leaf_key))
    w.write("tls/ratls/kms-ca.pem", _pem(kms_ca))
    # The App CA signed by a key that is not the KMS CA's (same issuer name): a forged intermediate.
    forger = g.p256_key("tls/forged-kms")
    bad_ca, _ = app_ca_for(kms_name, forger, label="tls/app-ca-forged")
    w.write("tls/ratls/chain-bad-signature.pem", _pem(leaf_for(bad_ca, app_ca_key)) + _pem(bad_ca) + _pem(kms_ca))
    # A complete, correctly signed chain under ANOTHER KMS CA: the measured key provider does not match it.
    other_kms_key = g.p256_key("tls/other-kms-ca")
    other_kms = build("tls/other-kms-ca", kms_name, kms_name, other_kms_key, other_kms_key.public_key(),
                      ca=(True, None))
    other_ca, _ = app_ca_for(kms_name, other_kms_key, label="tls/app-ca-other-kms")
    w.write("tls/ratls/chain-other-kms.pem", _pem(leaf_for(other_ca, app_ca_key)) + _pem(other_ca) + _pem(other_kms))
    # The leaf names another app id than the one measured in the quote's event log.
    wrong_app = g.label_bytes("tls/some-other-app", 20)
    w.write("tls/ratls/chain-wrong-app-id.pem",
            _pem(leaf_for(app_ca, app_ca_key, app_id=wrong_app, label="tls/ratls-leaf-wrong-app")) + _pem(app_ca)
            + _pem(kms_ca))
    # The App CA's usage extension is not "app:ca".
    rpc_ca, _ = app_ca_for(kms_name, kms_key, usage=b"kms:rpc", label="tls/app-ca-kms-rpc")
    w.write("tls/ratls/chain-wrong-usage.pem", _pem(leaf_for(rpc_ca, app_ca_key)) + _pem(rpc_ca) + _pem(kms_ca))

    # --- tutorial 04: self-signed server certificate + /attestation JSON -------------------------------------
    t_app = apps["v1"]

    def self_signed(label):
        k = g.p256_key(label)
        n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tee-oracle")])
        c = build(label, n, n, k, k.public_key(), ca=None, leaf=True)
        return c, k

    srv, srv_key = self_signed("tls/tutorial-server")
    mitm, mitm_key = self_signed("tls/tutorial-mitm")
    t_rd = g.sha256(_der(srv)) + bytes(32)
    t_quote = quote_for(t_app, "tls/tutorial", t_rd)
    event_log = g.event_log_json(t_app.events, stripped=True)
    honest = {"certFingerprint": g.sha256(_der(srv)).hex(), "quote": t_quote.hex().encode().hex(),
              "eventLog": event_log}
    w.write("tls/tutorial/server-cert.pem", _pem(srv))
    w.write("tls/tutorial/server-key.pem", _key_pem(srv_key))
    w.write("tls/tutorial/mitm-cert.pem", _pem(mitm))
    w.write("tls/tutorial/mitm-key.pem", _key_pem(mitm_key))
    w.write("tls/tutorial/attestation.json", g.dumps_sorted(honest))
    w.write("tls/tutorial/attestation-mitm.json",
            g.dumps_sorted({**honest, "certFingerprint": g.sha256(_der(mitm)).hex()}))
    w.write("tls/tutorial/attestation-truncated.json", g.dumps_sorted({
        "appId": t_app.app_id.hex(), "certFingerprint": g.sha256(_der(srv)).hex(),
        "quote": t_quote.hex()[:200] + "..."}))
    return {"ratls_leaf_spki_sha256": g.sha256(g.spki_der(leaf_key)).hex(), "ratls_app_id": app.app_id.hex(),
            "kms_ca_spki": g.spki_der(kms_key).hex(), "tutorial_cert_sha256": g.sha256(_der(srv)).hex()}
