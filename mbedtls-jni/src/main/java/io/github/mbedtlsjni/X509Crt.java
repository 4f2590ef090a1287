package io.github.mbedtlsjni;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A chain (list) of X.509 certificates, {@code mbedtls_x509_crt}: a CA chain to trust, or a
 * peer's chain.
 *
 * <p>{@code new X509Crt()} is {@code mbedtls_x509_crt_init}; each {@code parse*} method appends
 * to the chain; {@link #close()} is {@code mbedtls_x509_crt_free}. An {@link SslConfig} using it
 * as CA chain keeps it allocated, and from then on it can no longer be changed (a handshake may be
 * reading it).
 *
 * <p>{@link #verify} checks the chain offline against a CA chain, CRLs, a name and a profile
 * ({@code mbedtls_x509_crt_verify_with_profile}). Parse failures throw {@link X509ParseException}.
 */
public final class X509Crt extends NativeResource {
    /**
     * Held while Mbed TLS appends to any X509Crt or X509Crl and while {@link #verify} reads
     * several of them: an append links a half-parsed node into the list (and unlinks and frees
     * it if parsing fails), which another object's reader must never see.
     */
    static final Object LIST_LOCK = new Object();

    private boolean frozen; // guarded by this

    /** {@code mbedtls_x509_crt_init}: an empty chain. */
    public X509Crt() {
        super("X509Crt", X509Crt::nInit, X509Crt::nFree);
    }

    /** A new chain holding the certificates of {@code data} (PEM or DER); see {@link #parse}. */
    public static X509Crt of(byte[] data) {
        X509Crt crt = new X509Crt();
        try {
            crt.parse(data);
            return crt;
        } catch (RuntimeException e) {
            crt.close();
            throw e;
        }
    }

    /**
     * {@code mbedtls_x509_crt_parse}: appends one DER certificate or any number of PEM
     * certificates.
     *
     * @return the number of PEM certificates that could not be parsed (0 if all were added);
     *     Mbed TLS skips those and keeps the rest
     * @throws MbedTlsException if nothing could be parsed
     */
    public synchronized int parse(byte[] data) {
        Objects.requireNonNull(data, "data");
        checkMutable();
        long self = handle.acquire();
        try {
            synchronized (LIST_LOCK) {
                return nParse(self, data);
            }
        } finally {
            handle.release();
        }
    }

    /** {@code mbedtls_x509_crt_parse_der}: appends exactly one DER certificate. */
    public synchronized void parseDer(byte[] der) {
        Objects.requireNonNull(der, "der");
        checkMutable();
        long self = handle.acquire();
        try {
            synchronized (LIST_LOCK) {
                nParseDer(self, der);
            }
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_x509_crt_parse_file}: appends the certificates of a PEM or DER file.
     *
     * @return the number of PEM certificates that could not be parsed
     * @throws MbedTlsException naming the file if it cannot be read or holds no certificate
     */
    public synchronized int parseFile(Path file) {
        Objects.requireNonNull(file, "file");
        checkMutable();
        long self = handle.acquire();
        try {
            synchronized (LIST_LOCK) {
                return nParseFile(self, file.toString());
            }
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_x509_crt_parse_path}: appends every certificate file of a directory such as
     * {@code /etc/ssl/certs}.
     *
     * @return the number of files that could not be parsed
     */
    public synchronized int parsePath(Path directory) {
        Objects.requireNonNull(directory, "directory");
        checkMutable();
        long self = handle.acquire();
        try {
            synchronized (LIST_LOCK) {
                return nParsePath(self, directory.toString());
            }
        } finally {
            handle.release();
        }
    }

    /** The number of certificates in the chain. */
    public synchronized int size() {
        long self = handle.acquire();
        try {
            return nCount(self);
        } finally {
            handle.release();
        }
    }

    /** The DER encoding of certificate {@code index} (0 is the first one parsed). */
    public synchronized byte[] der(int index) {
        long self = handle.acquire();
        try {
            return nDer(self, checkIndex(self, index));
        } finally {
            handle.release();
        }
    }

    /** The subject of certificate {@code index} as {@code mbedtls_x509_dn_gets} writes it. */
    public synchronized String subject(int index) {
        long self = handle.acquire();
        try {
            return nName(self, checkIndex(self, index), true);
        } finally {
            handle.release();
        }
    }

    /** The issuer of certificate {@code index} as {@code mbedtls_x509_dn_gets} writes it. */
    public synchronized String issuer(int index) {
        long self = handle.acquire();
        try {
            return nName(self, checkIndex(self, index), false);
        } finally {
            handle.release();
        }
    }

    /** {@code mbedtls_x509_crt_info} for certificate {@code index}: a multi-line description. */
    public synchronized String info(int index) {
        long self = handle.acquire();
        try {
            return nInfo(self, checkIndex(self, index));
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_x509_crt_verify_with_profile}: verifies this chain (the certificate to check
     * first, then any intermediates, as a server would send them) against {@code trusted}, with no
     * network. Reports what Mbed TLS reports; unlike a handshake, no keyUsage/extendedKeyUsage
     * check for a TLS server is made (that is {@code mbedtls_ssl_check_cert_usage}'s, in the
     * handshake).
     *
     * @param trusted the trust anchors (may be empty: then nothing is trusted)
     * @param crls the CRLs to check against (one per issuer, as one {@link X509Crl}), or null
     * @param expectedName the name the certificate must be issued to (DNS name or IP address,
     *     matched against subjectAltName, else the CN), or null to skip the name check
     * @param profile the algorithms and key sizes allowed, e.g. {@link VerifyProfile#DEFAULT}
     * @return the flags (0 if the chain verified) with {@code mbedtls_x509_crt_verify_info}'s text
     * @throws MbedTlsException if Mbed TLS fails outright (e.g. {@code MBEDTLS_ERR_X509_FATAL_ERROR}
     *     for a chain that is too long) rather than reporting flags
     * @throws IllegalStateException if this chain is empty or any argument is closed
     */
    public VerifyResult verify(X509Crt trusted, X509Crl crls, String expectedName, VerifyProfile profile) {
        Objects.requireNonNull(trusted, "trusted (may be an empty X509Crt)");
        Objects.requireNonNull(profile, "profile (VerifyProfile.DEFAULT is Mbed TLS's default)");
        synchronized (LIST_LOCK) {
            long self = handle.acquire();
            try {
                if (nCount(self) == 0) {
                    throw new IllegalStateException("X509Crt is empty: parse the chain to verify first");
                }
                long ca = trusted.handle.acquire();
                try {
                    long crl = crls != null ? crls.handle.acquire() : 0;
                    try {
                        int flags = nVerify(self, ca, crl, expectedName, profile.kind(),
                                VerifyProfile.mask(profile.allowedHashes()), VerifyProfile.mask(profile.allowedPkTypes()),
                                VerifyProfile.mask(profile.allowedCurves()), profile.minRsaBits());
                        return new VerifyResult(flags, SslContext.nVerifyInfo(flags));
                    } finally {
                        if (crls != null) {
                            crls.handle.release();
                        }
                    }
                } finally {
                    trusted.handle.release();
                }
            } finally {
                handle.release();
            }
        }
    }

    /** {@link #verify(X509Crt, X509Crl, String, VerifyProfile)} with Mbed TLS's default profile. */
    public VerifyResult verify(X509Crt trusted, X509Crl crls, String expectedName) {
        return verify(trusted, crls, expectedName, VerifyProfile.DEFAULT);
    }

    /** The chain as JDK certificates (copies; parsed again by the JDK). */
    public synchronized List<X509Certificate> toX509Certificates() {
        int n = size();
        List<X509Certificate> list = new ArrayList<>(n);
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (int i = 0; i < n; i++) {
                list.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der(i))));
            }
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK cannot parse a certificate Mbed TLS accepted: " + e.getMessage(), e);
        }
        return list;
    }

    /** Called under the config's lock when a config starts using this chain. */
    synchronized void freeze() {
        frozen = true;
    }

    private void checkMutable() {
        if (frozen) {
            throw new IllegalStateException("X509Crt is in use by an SslConfig and can no longer be changed");
        }
    }

    private int checkIndex(long self, int index) {
        int n = nCount(self);
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("certificate index " + index + " out of range for a chain of " + n);
        }
        return index;
    }

    private static native long nInit();

    private static native void nFree(long crt);

    private static native int nParse(long crt, byte[] data);

    private static native void nParseDer(long crt, byte[] der);

    private static native int nParseFile(long crt, String path);

    private static native int nParsePath(long crt, String path);

    private static native int nCount(long crt);

    private static native byte[] nDer(long crt, int index);

    private static native String nName(long crt, int index, boolean subject);

    private static native String nInfo(long crt, int index);

    private static native int nVerify(long crt, long trusted, long crl, String expectedName, int profileKind,
            int hashes, int pkTypes, int curves, int minRsaBits);
}
