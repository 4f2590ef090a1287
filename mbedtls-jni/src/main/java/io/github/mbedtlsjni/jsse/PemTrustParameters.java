package io.github.mbedtlsjni.jsse;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.ManagerFactoryParameters;

/**
 * Trust anchors and CRLs from PEM (or DER) files and directories, for the provider's
 * {@code TrustManagerFactory}: one line instead of a key store built by hand.
 *
 * <pre>{@code
 * TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "MbedTLS");
 * tmf.init(new PemTrustParameters(Path.of("ca.pem")));        // or a directory, CRL files too
 * SSLContext tls = SSLContext.getInstance("TLS", "MbedTLS");
 * tls.init(null, tmf.getTrustManagers(), null);
 * }</pre>
 *
 * <p>Each path is a file or a directory. A file holds certificates (the anchors) and/or CRLs
 * (checked against every chain, as Mbed TLS does with {@code mbedtls_ssl_conf_ca_chain}): PEM
 * blocks {@code CERTIFICATE} and {@code X509 CRL}, any number, or one DER certificate or CRL. Mbed
 * TLS parses each file; one it cannot use fails {@code init} with
 * {@link java.security.InvalidAlgorithmParameterException} naming the file and keeping Mbed TLS's
 * error as the cause. A directory (such as {@code /etc/ssl/certs}) is read file by file, not
 * recursively: files that are neither certificates nor CRLs are skipped, as
 * {@code mbedtls_x509_crt_parse_path} skips them, and a directory without any certificate fails.
 *
 * <p>The files are read once, by {@code init}; nothing native is kept by this object (the
 * trust manager holds JDK copies, which the SSLContext hands to Mbed TLS at its {@code init}).
 */
public final class PemTrustParameters implements ManagerFactoryParameters {
    private final List<Path> paths;

    /**
     * @param filesOrDirectories at least one file or directory of certificates and CRLs
     * @throws IllegalArgumentException if none is given
     * @throws NullPointerException if a path is null
     */
    public PemTrustParameters(Path... filesOrDirectories) {
        Objects.requireNonNull(filesOrDirectories, "filesOrDirectories");
        if (filesOrDirectories.length == 0) {
            throw new IllegalArgumentException("no file or directory of trusted certificates given");
        }
        for (Path p : filesOrDirectories) {
            Objects.requireNonNull(p, "a path is null");
        }
        this.paths = List.of(filesOrDirectories);
    }

    /** The files and directories, in the order given. */
    public List<Path> paths() {
        return paths;
    }

    @Override
    public String toString() {
        return "PemTrustParameters" + paths;
    }
}
