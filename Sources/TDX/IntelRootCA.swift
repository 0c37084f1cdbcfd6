import DevProofCore

/// The pinned trust anchor: Intel SGX Root CA (public certificate published by Intel at
/// https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.cer).
/// Subject "CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US", valid 2018-05-21 → 2049-12-31.
/// DER SHA-256 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3,
/// SubjectPublicKeyInfo SHA-256 a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e.
public enum IntelRootCA {
    public static let derSHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
    public static let spkiSHA256 = "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e"

    static let base64 = """
        MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIwaDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0Ex\
        GjAYBgNVBAoMEUludGVsIENvcnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYTAlVTMB4X\
        DTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv\
        cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYTAlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0D\
        AQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi71OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOBuzCBuDAf\
        BgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJMEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVk\
        c2VydmljZXMuaW50ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SVUr9QGzknBqwwDgYDVR0PAQH/\
        BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYIKoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg\
        AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
        """

    /// DER of the certificate.
    public static var der: Bytes { (try? Base64.decode(base64)) ?? [] }

    /// The parsed certificate. The embedded constant is checked by the unit tests (hashes above).
    public static let certificate: X509Certificate? = try? X509Certificate(der: der)

    /// The root to trust: `--root-ca FILE` (PEM or DER) when given, else the pinned Intel root.
    public static func load(overridePath: String?) throws -> X509Certificate {
        if let p = overridePath {
            return try X509Certificate.load(fileBytes: InputFile.read(p, what: "root CA"))
        }
        guard let c = certificate else { throw DevProofError.malformed("embedded Intel SGX Root CA does not parse") }
        return c
    }
}
