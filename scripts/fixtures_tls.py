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
  gateway/  a dstack-gateway /.dstack/acme-info, its certificate, CAA and CT files (honest and attacked).
  ingress/  dstack-ingress /evidences/ files (honest and with a swapped certificate file).
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


def gen_gateway(w, g, *, quote_for, apps: dict) -> dict:
    """Fixtures/tls/gateway: a dstack-gateway `/.dstack/acme-info` with TEST quotes (the v1 app plays the gateway):
    the account quote binds sha512("acme-account:" || account_uri), each quoted key's quote binds
    sha512("zt-cert:" || SPKI); a certificate for the current key under a TEST issuer; CAA record files and CT
    exports (crt.sh JSON rows plus the certificate), honest and with a rogue (non-TEE key) certificate."""
    import base64
    import json
    app = apps["v1"]
    nb, na = g.utc(2026, 1, 1), g.utc(2026, 4, 1)
    account_uri = "https://acme-v02.api.letsencrypt.org/acme/acct/999999999"  # TEST value, no such account
    issuer_key = g.p256_key("tls/gateway-test-issuer")
    issuer_name = _name("devproof TEST issuing CA (not Let's Encrypt)")
    issuer = (x509.CertificateBuilder().subject_name(issuer_name).issuer_name(issuer_name)
              .public_key(issuer_key.public_key()).serial_number(g.serial_for("tls/gateway-issuer"))
              .not_valid_before(g.utc(2025, 1, 1)).not_valid_after(g.utc(2030, 1, 1))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(_ku(True), critical=True)
              .sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True))
    domain = "*.gateway.devproof.test"

    def getquote(label, rd):
        q = quote_for(app, label, rd)
        return json.dumps({"quote": q.hex(), "event_log": g.event_log_json(app.events, stripped=True),
                           "report_data": rd.hex(), "vm_config": g.vm_config_json(app)}, separators=(",", ":"))

    def leaf(label, key):
        san = x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName("localhost"),
                                           x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))])
        return (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)]))
                .issuer_name(issuer_name).public_key(key.public_key()).serial_number(g.serial_for(label))
                .not_valid_before(nb).not_valid_after(na).add_extension(san, critical=False)
                .sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True))

    keys = [g.p256_key("tls/gateway-zt-key-0"), g.p256_key("tls/gateway-zt-key-1")]
    rogue = g.p256_key("tls/gateway-rogue-key")
    quoted = [{"public_key": g.spki_der(k).hex(),
               "quote": getquote(f"tls/gateway-zt-{i}", g.sha512(b"zt-cert:" + g.spki_der(k))), "attestation": ""}
              for i, k in enumerate(keys)]
    info = {"account_uri": account_uri,
            "account_quote": getquote("tls/gateway-account", g.sha512(b"acme-account:" + account_uri.encode())),
            "account_attestation": "", "quoted_hist_keys": quoted,
            "hist_keys": [q["public_key"] for q in quoted], "base_domain": domain[2:]}
    certs = [leaf(f"tls/gateway-leaf-{i}", k) for i, k in enumerate(keys)]
    w.write("tls/gateway/acme-info.json", g.dumps_sorted(info))
    w.write("tls/gateway/chain.pem", _pem(certs[1]) + _pem(issuer))
    w.write("tls/gateway/key.pem", _key_pem(keys[1]))
    # The account quote made for another account URI; a key whose quote binds another key.
    w.write("tls/gateway/acme-info-wrong-account.json",
            g.dumps_sorted({**info, "account_uri": account_uri.replace("999999999", "111111111")}))
    bad = dict(quoted[0]); bad["quote"] = quoted[1]["quote"]
    w.write("tls/gateway/acme-info-wrong-key-quote.json", g.dumps_sorted({**info, "quoted_hist_keys": [bad, quoted[1]]}))
    # A certificate for the domain with a key the TEE never quoted (the operator could intercept).
    rogue_cert = leaf("tls/gateway-rogue-leaf", rogue)
    w.write("tls/gateway/rogue-chain.pem", _pem(rogue_cert) + _pem(issuer))
    w.write("tls/gateway/rogue-key.pem", _key_pem(rogue))

    def row(i, c):
        return {"id": 1000 + i, "issuer_name": "CN=devproof TEST issuing CA", "common_name": domain,
                "name_value": domain, "not_before": c.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%S"),
                "not_after": c.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%S"),
                "serial_number": format(c.serial_number, "x"), "certificate": base64.b64encode(_der(c)).decode()}
    w.write("tls/gateway/ct.json", g.dumps_sorted([row(i, c) for i, c in enumerate(certs)]))
    w.write("tls/gateway/ct-rogue.json", g.dumps_sorted([row(i, c) for i, c in enumerate(certs + [rogue_cert])]))
    rec = f'0 issue "letsencrypt.org;validationmethods=dns-01;accounturi={account_uri}"'
    recw = f'0 issuewild "letsencrypt.org;validationmethods=dns-01;accounturi={account_uri}"'
    w.write("tls/gateway/caa.txt", f"gateway.devproof.test. 300 IN CAA {rec}\ngateway.devproof.test. 300 IN CAA {recw}\n")
    w.write("tls/gateway/caa-open.txt", f"gateway.devproof.test. 300 IN CAA {rec}\ngateway.devproof.test. 300 IN CAA 0 issuewild \"letsencrypt.org\"\n")
    return {"account_uri": account_uri, "gateway_key_spki": [g.spki_der(k).hex() for k in keys]}


def gen_ingress(w, g, *, quote_for, apps: dict) -> None:
    """Fixtures/tls/ingress: dstack-ingress `/evidences/` (acme-account.json = certbot regr.json, cert-<domain>.pem,
    sha256sum.txt, quote.json = GetQuote with report_data = sha256(sha256sum.txt) || 0^32), the chain the ingress
    presents, and a tampered copy whose certificate file no longer matches sha256sum.txt."""
    import json
    app = apps["v1"]
    domain = "ingress.devproof.test"
    account_uri = "https://acme-v02.api.letsencrypt.org/acme/acct/888888888"  # TEST value
    key = g.p256_key("tls/ingress-key")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    san = x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName("localhost")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(g.serial_for("tls/ingress-cert")).not_valid_before(g.utc(2026, 1, 1))
            .not_valid_after(g.utc(2026, 4, 1)).add_extension(san, critical=False)
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True))
    account = json.dumps({"body": {"status": "valid", "contact": []}, "uri": account_uri}, indent=2).encode()
    cert_pem = _pem(cert).encode()
    sums = (f"{g.sha256(account).hex()}  acme-account.json\n{g.sha256(cert_pem).hex()}  cert-{domain}.pem\n").encode()
    rd = g.sha256(sums) + bytes(32)
    q = quote_for(app, "tls/ingress", rd)
    quote = json.dumps({"quote": q.hex(), "event_log": g.event_log_json(app.events, stripped=True),
                        "report_data": rd.hex(), "vm_config": g.vm_config_json(app)}, separators=(",", ":"))
    files = {"acme-account.json": account, f"cert-{domain}.pem": cert_pem, "sha256sum.txt": sums, "quote.json": quote.encode()}
    for n, b in files.items():
        w.write(f"tls/ingress/evidences/{n}", b)
    other = g.p256_key("tls/ingress-other-key")
    other_cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(other.public_key())
                  .serial_number(g.serial_for("tls/ingress-other")).not_valid_before(g.utc(2026, 1, 1))
                  .not_valid_after(g.utc(2026, 4, 1)).add_extension(san, critical=False)
                  .sign(other, hashes.SHA256(), ecdsa_deterministic=True))
    for n, b in {**files, f"cert-{domain}.pem": _pem(other_cert).encode()}.items():
        w.write(f"tls/ingress/evidences-tampered/{n}", b)
    w.write("tls/ingress/presented.pem", cert_pem)
    # The served certificate's key: `tls --ingress-evidence https://…` tests run a loopback server presenting it.
    w.write("tls/ingress/presented.key", _key_pem(key).encode())
    w.write("tls/ingress/caa.txt", f'{domain}. 300 IN CAA 0 issue "letsencrypt.org;accounturi={account_uri}"\n')
