#ifndef DEVPROOF_COPENSSL_SHIM_H
#define DEVPROOF_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <string.h>

// sk_X509_* are macros in OpenSSL 3; Swift cannot call them, so wrap them.
static inline STACK_OF(X509) *devproof_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int devproof_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
static inline void devproof_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }
static inline void devproof_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }
static inline int devproof_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
static inline X509 *devproof_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
static inline STACK_OF(X509_CRL) *devproof_sk_X509_CRL_new_null(void) { return sk_X509_CRL_new_null(); }
static inline int devproof_sk_X509_CRL_push(STACK_OF(X509_CRL) *sk, X509_CRL *x) { return sk_X509_CRL_push(sk, x); }
static inline void devproof_sk_X509_CRL_free(STACK_OF(X509_CRL) *sk) { sk_X509_CRL_free(sk); }
static inline int devproof_sk_X509_EXTENSION_num(const STACK_OF(X509_EXTENSION) *sk) { return sk_X509_EXTENSION_num(sk); }
static inline X509_EXTENSION *devproof_sk_X509_EXTENSION_value(const STACK_OF(X509_EXTENSION) *sk, int i) { return sk_X509_EXTENSION_value(sk, i); }
static inline int devproof_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *sk) { return sk_X509_REVOKED_num(sk); }
static inline X509_REVOKED *devproof_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *sk, int i) { return sk_X509_REVOKED_value(sk, i); }
static inline long devproof_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
// SSL_CTX_* control macros used by the TLS client (DevProofCore/TLSClient.swift).
static inline long devproof_SSL_CTX_set_max_cert_list(SSL_CTX *c, long n) { return SSL_CTX_set_max_cert_list(c, n); }
static inline long devproof_SSL_CTX_set_min_proto_version(SSL_CTX *c, int v) { return SSL_CTX_set_min_proto_version(c, v); }
static inline long devproof_SSL_CTX_set_mode_partial_write(SSL_CTX *c) { return SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE); }
static inline long devproof_SSL_set_tlsext_host_name(SSL *s, const char *name) { return SSL_set_tlsext_host_name(s, name); }

// P-256 ECDSA verification through the EC_KEY API: OpenSSL 3's EVP path re-fetches providers and
// decoders on every call (3-4x slower for one-shot verifies). Deprecated in 3.0 but supported; the
// deprecation warnings are silenced only here.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
/// `g` is the caller's P-256 group, built once per process (EC_KEY_new_by_curve_name rebuilds the group on
/// every call). The point must be on the curve (checked explicitly; P-256 has cofactor 1, so that is the
/// whole public-key validation). EC_KEY_set_public_key_affine_coordinates would also run EC_KEY_check_key,
/// whose order multiplication costs as much as an ECDSA verification and adds nothing for cofactor 1.
static inline EC_KEY *devproof_p256_key_new(const EC_GROUP *g, const unsigned char *xy64) {
    unsigned char oct[65];
    oct[0] = 0x04;
    memcpy(oct + 1, xy64, 64);
    EC_KEY *k = EC_KEY_new();
    EC_POINT *pt = g != NULL ? EC_POINT_new(g) : NULL;
    int ok = k != NULL && pt != NULL && EC_KEY_set_group(k, g) == 1
        && EC_POINT_oct2point(g, pt, oct, sizeof oct, NULL) == 1
        && EC_POINT_is_on_curve(g, pt, NULL) == 1 && EC_POINT_is_at_infinity(g, pt) == 0
        && EC_KEY_set_public_key(k, pt) == 1;
    EC_POINT_free(pt);
    if (!ok) { EC_KEY_free(k); ERR_clear_error(); return NULL; }
    return k;
}
/// The subject key of a certificate as raw P-256 x || y, read from the SubjectPublicKeyInfo bytes without
/// going through OpenSSL's key decoders: 1 when the key is id-ecPublicKey on prime256v1, uncompressed.
static inline int devproof_x509_p256_xy(X509 *x, unsigned char *xy64) {
    X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
    ASN1_OBJECT *alg = NULL; const unsigned char *pk = NULL; int len = 0; X509_ALGOR *pa = NULL;
    if (pub == NULL || X509_PUBKEY_get0_param(&alg, &pk, &len, &pa, pub) != 1) { ERR_clear_error(); return 0; }
    if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || pa == NULL) return 0;
    const ASN1_OBJECT *pobj = NULL; int ptype = 0; const void *pval = NULL;
    X509_ALGOR_get0(&pobj, &ptype, &pval, pa);
    if (ptype != V_ASN1_OBJECT || pval == NULL || OBJ_obj2nid((const ASN1_OBJECT *)pval) != NID_X9_62_prime256v1) return 0;
    if (len != 65 || pk[0] != 0x04) return 0;
    memcpy(xy64, pk + 1, 64);
    return 1;
}
static inline void devproof_p256_key_free(EC_KEY *k) { EC_KEY_free(k); }
/// 1 valid, 0 invalid, -1 error. `rs64` is raw r || s.
static inline int devproof_p256_verify_raw(EC_KEY *k, const unsigned char *digest32, const unsigned char *rs64) {
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs64, 32, NULL);
    BIGNUM *s = BN_bin2bn(rs64 + 32, 32, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        ECDSA_SIG_free(sig); BN_free(r); BN_free(s); ERR_clear_error(); return -1;
    }
    int rc = ECDSA_do_verify(digest32, 32, sig, k);
    ECDSA_SIG_free(sig);
    if (rc != 1) ERR_clear_error();
    return rc;
}
/// DER Ecdsa-Sig-Value (strict: must re-encode identically).
static inline int devproof_p256_verify_der(EC_KEY *k, const unsigned char *digest32, const unsigned char *der, int derLen) {
    int rc = ECDSA_verify(0, digest32, 32, der, derLen, k);
    if (rc != 1) ERR_clear_error();
    return rc;
}
#pragma clang diagnostic pop
#endif
