package io.github.mbedtlsjni.testing;

import java.nio.file.Path;
import java.security.cert.X509CRL;

/** A generated CRL, with its encodings and file writers. */
public final class TestCrl {
    private final X509CRL crl;
    private final byte[] der;

    TestCrl(X509CRL crl, byte[] der) {
        this.crl = crl;
        this.der = der.clone();
    }

    /** The parsed CRL. */
    public X509CRL crl() {
        return crl;
    }

    /** The DER encoding (a copy). */
    public byte[] der() {
        return der.clone();
    }

    /** The PEM encoding ({@code -----BEGIN X509 CRL-----}). */
    public String pem() {
        return Pem.encode("X509 CRL", der);
    }

    /** Writes the PEM encoding to {@code file}; returns {@code file}. */
    public Path writePem(Path file) {
        return Pem.write(file, pem());
    }

    /** Writes the DER encoding to {@code file}; returns {@code file}. */
    public Path writeDer(Path file) {
        return Pem.write(file, der);
    }

    @Override
    public String toString() {
        return "TestCrl[" + crl.getIssuerX500Principal().getName() + ", "
                + (crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size()) + " revoked]";
    }
}
