package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.InputFiles;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

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
 * ({@code mbedtls_x509_crt_verify_with_profile}). Parse failures throw {@link X509ParseException};
 * a file that is missing, unreadable or a directory is refused before Mbed TLS reads it
 * ({@link java.io.UncheckedIOException} around the JDK's {@link java.nio.file.FileSystemException}).
 *
 * <p>What a certificate holds comes from Mbed TLS's parse: {@link #subject}, {@link #issuer},
 * {@link #validFrom}, {@link #validTo}, {@link #info} and the {@link #der} bytes Mbed TLS keeps.
 * {@link #toX509Certificate} hands the DER to the JDK's parser, which may refuse what Mbed TLS
 * accepted; it is never used for anything Mbed TLS decides.
 *
 * <p><b>Threads.</b> Any thread may use a chain. Readers (the accessors, {@code verify}) of one
 * chain run in parallel; an append waits for them and they for it; different chains never wait
 * for each other.
 */
public final class X509Crt extends NativeResource {
    private static final String DIRECTORY_HINT = "use parsePath(directory) for a directory of CA files";
    private static final Type TYPE = new Type("X509Crt") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    final ListGuard guard = new ListGuard("X509Crt");

    /** {@code mbedtls_x509_crt_init}: an empty chain. */
    public X509Crt() {
        super(TYPE);
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
     * A new chain of the DER certificates {@code ders}, in order ({@code mbedtls_x509_crt_parse_der}
     * each), for a chain kept as Mbed TLS received it; null if {@code ders} is empty.
     */
    static X509Crt ofDers(List<byte[]> ders) {
        if (ders.isEmpty()) {
            return null;
        }
        X509Crt crt = new X509Crt();
        try {
            for (byte[] der : ders) {
                crt.parseDer(der);
            }
            return crt;
        } catch (RuntimeException | Error e) {
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
     * @throws X509ParseException if nothing could be parsed (the message says so if the bytes
     *     look like a Java key store)
     */
    public int parse(byte[] data) {
        Objects.requireNonNull(data, "data");
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                return nParse(self, data);
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw explained(e, null, InputFiles.keyStoreHint(data, "certificates"));
        } finally {
            guard.unlockAppend();
        }
    }

    /** {@code mbedtls_x509_crt_parse_der}: appends exactly one DER certificate. */
    public void parseDer(byte[] der) {
        Objects.requireNonNull(der, "der");
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                nParseDer(self, der);
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw explained(e, null, InputFiles.keyStoreHint(der, "certificates"));
        } finally {
            guard.unlockAppend();
        }
    }

    /**
     * {@code mbedtls_x509_crt_parse_file}: appends the certificates of a PEM or DER file.
     *
     * @return the number of PEM certificates that could not be parsed
     * @throws java.io.UncheckedIOException if the file does not exist
     *     ({@link java.nio.file.NoSuchFileException}), cannot be read
     *     ({@link java.nio.file.AccessDeniedException}) or is a directory
     *     ({@link java.nio.file.FileSystemException}; see {@link #parsePath}): checked before Mbed
     *     TLS reads it
     * @throws X509ParseException naming the file if it holds no certificate Mbed TLS can parse
     *     (the message says so if it looks like a Java key store)
     */
    public int parseFile(Path file) {
        Objects.requireNonNull(file, "file");
        InputFiles.requireReadableFile(file, DIRECTORY_HINT);
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                return nParseFile(self, file.toString());
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw explained(e, file, InputFiles.keyStoreHint(file, "certificates"));
        } finally {
            guard.unlockAppend();
        }
    }

    /**
     * {@code mbedtls_x509_crt_parse_path}: appends every certificate file of a directory such as
     * {@code /etc/ssl/certs}.
     *
     * @return the number of files that could not be parsed
     * @throws java.io.UncheckedIOException if the directory does not exist
     *     ({@link java.nio.file.NoSuchFileException}), is not a directory
     *     ({@link java.nio.file.FileSystemException}; see {@link #parseFile}) or cannot be read
     */
    public int parsePath(Path directory) {
        Objects.requireNonNull(directory, "directory");
        InputFiles.requireReadableDirectory(directory);
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                return nParsePath(self, directory.toString());
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockAppend();
        }
    }

    /** The number of certificates in the chain. */
    public int size() {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return nCount(self);
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    /** The DER encoding of certificate {@code index} (0 is the first one parsed), exactly as Mbed TLS holds it. */
    public byte[] der(int index) {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return nDer(self, checkIndex(self, index));
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    /** The DER encodings of every certificate, in order (one native call). */
    public List<byte[]> ders() {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return List.of(nDers(self));
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    /**
     * The subject of certificate {@code index} as {@code mbedtls_x509_dn_gets} writes it.
     *
     * @throws MbedTlsException if Mbed TLS cannot print it (3.6 refuses a NUL inside a name:
     *     {@code MBEDTLS_ERR_X509_INVALID_NAME}), although it parsed the certificate
     */
    public String subject(int index) {
        return name(index, true);
    }

    /** The issuer of certificate {@code index} as {@code mbedtls_x509_dn_gets} writes it (see {@link #subject}). */
    public String issuer(int index) {
        return name(index, false);
    }

    /**
     * The start of the validity period of certificate {@code index}, Mbed TLS's
     * {@code valid_from} (UTC; what Mbed TLS checks the current time against).
     */
    public Instant validFrom(int index) {
        return time(index, true);
    }

    /** The end of the validity period of certificate {@code index}, Mbed TLS's {@code valid_to} (UTC). */
    public Instant validTo(int index) {
        return time(index, false);
    }

    /** {@code mbedtls_x509_crt_info} for certificate {@code index}: a multi-line description. */
    public String info(int index) {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return nInfo(self, checkIndex(self, index));
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    /**
     * {@code mbedtls_x509_crt_verify_with_profile}: verifies this chain (the certificate to check
     * first, then any intermediates, as a server would send them) against {@code trusted}, with no
     * network. Reports what Mbed TLS reports; unlike a handshake, no keyUsage/extendedKeyUsage
     * check for a TLS server is made (that is {@code mbedtls_ssl_check_cert_usage}'s, in the
     * handshake).
     *
     * <p>Verifications of different chains run in parallel, also against one shared CA chain;
     * only an append to one of the lists involved waits for them (and they for it).
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
        ListGuard[] locked = ListGuard.readLockAll(guard, trusted.guard, crls == null ? null : crls.guard);
        try {
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
        } finally {
            ListGuard.unlockAll(locked);
        }
    }

    /** {@link #verify(X509Crt, X509Crl, String, VerifyProfile)} with Mbed TLS's default profile. */
    public VerifyResult verify(X509Crt trusted, X509Crl crls, String expectedName) {
        return verify(trusted, crls, expectedName, VerifyProfile.DEFAULT);
    }

    /**
     * Certificate {@code index} as a JDK certificate: its DER parsed again, by the JDK's
     * {@link CertificateFactory}. The JDK refuses some certificates Mbed TLS accepts (a UTCTime
     * without its "Z", a duplicated extension, an empty subject without subjectAltName, a serial
     * number with another tag, a non-minimal OID...); that changes nothing Mbed TLS decided.
     *
     * @throws CertificateException if the JDK cannot parse it, naming the certificate (its index
     *     and its subject as Mbed TLS reads it) and, as cause, the JDK's reason
     */
    public X509Certificate toX509Certificate(int index) throws CertificateException {
        return jdkCertificate(der(index), index, () -> describe(index));
    }

    /** Every certificate as a JDK certificate, in order; see {@link #toX509Certificate(int)}. */
    public List<X509Certificate> toX509Certificates() throws CertificateException {
        return jdkCertificates(ders());
    }

    /**
     * {@code ders} (certificates Mbed TLS parsed) as JDK certificates; on a refusal the
     * certificate is parsed by Mbed TLS again, to name it.
     */
    static List<X509Certificate> jdkCertificates(List<byte[]> ders) throws CertificateException {
        List<X509Certificate> list = new ArrayList<>(ders.size());
        for (int i = 0; i < ders.size(); i++) {
            byte[] der = ders.get(i);
            list.add(jdkCertificate(der, i, () -> {
                try (X509Crt one = new X509Crt()) {
                    one.parseDer(der);
                    return one.describe(0);
                } catch (RuntimeException e) {
                    return "not parsed by Mbed TLS either: " + e.getMessage();
                }
            }));
        }
        return List.copyOf(list);
    }

    private static X509Certificate jdkCertificate(byte[] der, int index, Supplier<String> subject) throws CertificateException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new CertificateException("the JDK cannot parse certificate [" + index + "] (" + subject.get()
                    + "), which Mbed TLS parsed: " + e.getMessage(), e);
        }
    }

    /** Called under the config's lock when a config starts using this chain: no appends from now on. */
    void freeze() {
        guard.freeze();
    }

    /** The subject as Mbed TLS prints it, or why it cannot. */
    private String describe(int index) {
        try {
            String subject = subject(index);
            return subject.isEmpty() ? "empty subject" : subject;
        } catch (MbedTlsException e) {
            return "a subject Mbed TLS does not print: " + e.errorName();
        }
    }

    private String name(int index, boolean subject) {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return nName(self, checkIndex(self, index), subject);
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    private Instant time(int index, boolean from) {
        int[] t;
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                t = nTime(self, checkIndex(self, index), from);
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
        return LocalDateTime.of(t[0], t[1], t[2], t[3], t[4], t[5]).toInstant(ZoneOffset.UTC);
    }

    private int checkIndex(long self, int index) {
        int n = nCount(self);
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("certificate index " + index + " out of range for a chain of " + n);
        }
        return index;
    }

    /** {@code e}, or the same failure with {@code hint} after the file name (if any). */
    static X509ParseException explained(X509ParseException e, Path file, String hint) {
        if (hint == null) {
            return e;
        }
        X509ParseException explained = new X509ParseException(e.code(), e.function(), e.errorText(),
                (file == null ? "" : file + ": ") + hint);
        explained.initCause(e);
        return explained;
    }

    private static native long nInit();

    private static native void nFree(long crt);

    private static native int nParse(long crt, byte[] data);

    private static native void nParseDer(long crt, byte[] der);

    private static native int nParseFile(long crt, String path);

    private static native int nParsePath(long crt, String path);

    private static native int nCount(long crt);

    private static native byte[] nDer(long crt, int index);

    private static native byte[][] nDers(long crt);

    private static native int[] nTime(long crt, int index, boolean from);

    private static native String nName(long crt, int index, boolean subject);

    private static native String nInfo(long crt, int index);

    private static native int nVerify(long crt, long trusted, long crl, String expectedName, int profileKind,
            int hashes, int pkTypes, int curves, int minRsaBits);
}
