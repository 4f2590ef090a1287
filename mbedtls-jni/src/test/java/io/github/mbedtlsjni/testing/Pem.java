package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * PEM (RFC 7468) encoding and file writing for certificates, private keys and CRLs.
 * Lines are 64 base64 characters, separated by {@code \n}.
 */
public final class Pem {
    private static final Base64.Encoder BASE64 =
            Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

    private Pem() {
    }

    /** Encodes {@code der} as one PEM block with the given label, e.g. {@code CERTIFICATE}. */
    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + BASE64.encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    /** The PEM text of {@code certificates}, in order, as {@code CERTIFICATE} blocks. */
    public static String certificates(List<X509Certificate> certificates) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                pem.append(encode("CERTIFICATE", certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return pem.toString();
    }

    /** The unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}) of {@code key}. */
    public static String privateKey(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("key is not PKCS#8-encodable: " + key.getFormat());
        }
        return encode("PRIVATE KEY", key.getEncoded());
    }

    /** Writes {@code certificates}, in order, to {@code file} as PEM; returns {@code file}. */
    public static Path writeCertificates(Path file, List<X509Certificate> certificates) {
        return write(file, certificates(certificates));
    }

    /** Writes the chain of {@code certs} (in the order given) to {@code file} as PEM; returns {@code file}. */
    public static Path writeCertificates(Path file, TestCert... certs) {
        StringBuilder pem = new StringBuilder();
        for (TestCert cert : certs) {
            pem.append(cert.pem());
        }
        return write(file, pem.toString());
    }

    /** Writes {@code key} to {@code file} as unencrypted PKCS#8 PEM; returns {@code file}. */
    public static Path writePrivateKey(Path file, PrivateKey key) {
        return write(file, privateKey(key));
    }

    /** Writes {@code text} to {@code file} (creating parent directories); returns {@code file}. */
    public static Path write(Path file, String text) {
        return write(file, text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes {@code bytes} to {@code file} (creating parent directories); returns {@code file}. */
    public static Path write(Path file, byte[] bytes) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
