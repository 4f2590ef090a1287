package io.github.mbedtlsjni.testing;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;

/**
 * A generated certificate together with its key pair. Any {@code TestCert} can issue other
 * certificates ({@link CertBuilder#issuedBy}), whether or not its extensions say it is a CA,
 * so broken chains are as easy to build as good ones.
 */
public final class TestCert {
    private final X509Certificate certificate;
    private final byte[] der;
    private final KeyPair keyPair;

    TestCert(X509Certificate certificate, byte[] der, KeyPair keyPair) {
        this.certificate = certificate;
        this.der = der.clone();
        this.keyPair = keyPair;
    }

    /** The certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The certificate's DER encoding (a copy). */
    public byte[] der() {
        return der.clone();
    }

    /** The certificate's PEM encoding (one {@code CERTIFICATE} block). */
    public String pem() {
        return Pem.encode("CERTIFICATE", der);
    }

    /** The subject's key pair. */
    public KeyPair keyPair() {
        return keyPair;
    }

    /** The subject's private key. */
    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** The subject's public key. */
    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    /** The private key as unencrypted PKCS#8 PEM. */
    public String privateKeyPem() {
        return Pem.privateKey(keyPair.getPrivate());
    }

    /** The serial number. */
    public BigInteger serial() {
        return certificate.getSerialNumber();
    }

    /** The subject DN in RFC 2253 form (e.g. {@code CN=localhost}). */
    public String subject() {
        return certificate.getSubjectX500Principal().getName();
    }

    /** Writes this certificate alone to {@code file} as PEM; returns {@code file}. */
    public Path writePem(Path file) {
        return Pem.write(file, pem());
    }

    /** Writes the private key to {@code file} as unencrypted PKCS#8 PEM; returns {@code file}. */
    public Path writeKeyPem(Path file) {
        return Pem.write(file, privateKeyPem());
    }

    @Override
    public String toString() {
        return "TestCert[" + subject() + ", serial " + serial().toString(16) + ", issuer "
                + certificate.getIssuerX500Principal().getName() + "]";
    }
}
