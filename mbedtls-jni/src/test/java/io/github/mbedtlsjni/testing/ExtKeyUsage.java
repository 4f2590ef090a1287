package io.github.mbedtlsjni.testing;

import org.bouncycastle.asn1.x509.KeyPurposeId;

/** Purposes for the X.509 extendedKeyUsage extension (RFC 5280 section 4.2.1.12). */
public enum ExtKeyUsage {
    /** id-kp-serverAuth, 1.3.6.1.5.5.7.3.1. */
    SERVER_AUTH(KeyPurposeId.id_kp_serverAuth),
    /** id-kp-clientAuth, 1.3.6.1.5.5.7.3.2. */
    CLIENT_AUTH(KeyPurposeId.id_kp_clientAuth),
    /** id-kp-codeSigning, 1.3.6.1.5.5.7.3.3. */
    CODE_SIGNING(KeyPurposeId.id_kp_codeSigning),
    /** id-kp-emailProtection, 1.3.6.1.5.5.7.3.4. */
    EMAIL_PROTECTION(KeyPurposeId.id_kp_emailProtection),
    /** id-kp-OCSPSigning, 1.3.6.1.5.5.7.3.9. */
    OCSP_SIGNING(KeyPurposeId.id_kp_OCSPSigning),
    /** anyExtendedKeyUsage, 2.5.29.37.0. */
    ANY(KeyPurposeId.anyExtendedKeyUsage);

    private final KeyPurposeId id;

    ExtKeyUsage(KeyPurposeId id) {
        this.id = id;
    }

    /** The dotted OID of this purpose, as {@code X509Certificate.getExtendedKeyUsage()} lists it. */
    public String oid() {
        return id.getId();
    }

    KeyPurposeId purposeId() {
        return id;
    }
}
