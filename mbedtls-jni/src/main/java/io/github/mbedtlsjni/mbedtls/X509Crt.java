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
 * {@link #validFrom}, {@link #validTo}, {@link #info} and the {@link #der} bytes Mbed TLS keeps;
 * per certificate also {@link #serial}, {@link #version}, {@link #signatureAlgorithm}, the public
 * key's {@link #publicKeyType type} and {@link #publicKeyBits size}, basicConstraints
 * ({@link #isCa}, {@link #maxPathLength}), {@link #subjectAltNames}, {@link #keyUsage}, {@link #extensionTypes}, the usage
 * checks ({@link #checkKeyUsage}, {@link #checkExtendedKeyUsage}) and {@link #extendedKeyUsages},
 * the key identifiers ({@link #subjectKeyIdentifier}, {@link #authorityKeyIdentifier}; Mbed TLS
 * 3.5 and later), the names attribute by attribute ({@link #subjectAttributes},
 * {@link #issuerAttributes}), the {@link #publicKey} itself, and the {@link #tbs} and
 * {@link #signature} bytes.
 * {@link #toX509Certificate} hands the DER to the JDK's parser, which may refuse what Mbed TLS
 * accepted; it is never used for anything Mbed TLS decides.
 *
 * <p><b>Threads.</b> Any thread may use a chain. Readers (the accessors, {@code verify}) of one
 * chain run in parallel; an append waits for them and they for it; different chains never wait
 * for each other.
 */
public final class X509Crt extends NativeResource {
    private static final int FIELD_VERSION = 0;
    private static final int FIELD_PK_BITS = 1;
    private static final int FIELD_CA = 2;
    private static final int FIELD_MAX_PATHLEN = 3;
    private static final int FIELD_KEY_USAGE = 4;
    private static final int FIELD_EXT_TYPES = 5;
    private static final int BYTES_SERIAL = 0;
    private static final int BYTES_TBS = 1;
    private static final int BYTES_SIGNATURE = 2;
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
        parseDer(der, null);
    }

    /**
     * {@code mbedtls_x509_crt_parse_der_with_ext_cb} (with a copy of {@code der}): appends exactly
     * one DER certificate, asking {@code callback} about each extension Mbed TLS does not parse
     * itself (see {@link X509ExtensionCallback}).
     *
     * @param callback the callback, or null: then this is {@link #parseDer(byte[])}
     * @throws X509ParseException if Mbed TLS refuses the certificate (for a critical extension the
     *     callback refused: the callback's code), or if the callback threw (then its exception is
     *     the cause, and nothing was added)
     */
    public void parseDer(byte[] der, X509ExtensionCallback callback) {
        Objects.requireNonNull(der, "der");
        ExtensionCall call = callback == null ? null : new ExtensionCall(callback);
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                nParseDer(self, der, call);
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw explained(e, null, InputFiles.keyStoreHint(der, "certificates"));
        } finally {
            guard.unlockAppend();
        }
        if (call != null) {
            call.rethrow("mbedtls_x509_crt_parse_der_with_ext_cb");
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
        return read(index, X509Crt::nDer);
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
        return read(index, X509Crt::nInfo);
    }

    /** keyUsage digitalSignature, {@code MBEDTLS_X509_KU_DIGITAL_SIGNATURE} (the bits of {@link #keyUsage}). */
    public static final int KU_DIGITAL_SIGNATURE = 0x80;
    /** keyUsage nonRepudiation (contentCommitment), {@code MBEDTLS_X509_KU_NON_REPUDIATION}. */
    public static final int KU_NON_REPUDIATION = 0x40;
    /** keyUsage keyEncipherment, {@code MBEDTLS_X509_KU_KEY_ENCIPHERMENT}. */
    public static final int KU_KEY_ENCIPHERMENT = 0x20;
    /** keyUsage dataEncipherment, {@code MBEDTLS_X509_KU_DATA_ENCIPHERMENT}. */
    public static final int KU_DATA_ENCIPHERMENT = 0x10;
    /** keyUsage keyAgreement, {@code MBEDTLS_X509_KU_KEY_AGREEMENT}. */
    public static final int KU_KEY_AGREEMENT = 0x08;
    /** keyUsage keyCertSign, {@code MBEDTLS_X509_KU_KEY_CERT_SIGN}. */
    public static final int KU_KEY_CERT_SIGN = 0x04;
    /** keyUsage cRLSign, {@code MBEDTLS_X509_KU_CRL_SIGN}. */
    public static final int KU_CRL_SIGN = 0x02;
    /** keyUsage encipherOnly, {@code MBEDTLS_X509_KU_ENCIPHER_ONLY}. */
    public static final int KU_ENCIPHER_ONLY = 0x01;
    /** keyUsage decipherOnly, {@code MBEDTLS_X509_KU_DECIPHER_ONLY}. */
    public static final int KU_DECIPHER_ONLY = 0x8000;

    /** The serial number of certificate {@code index}: the bytes of Mbed TLS's {@code serial} (may be empty). */
    public byte[] serial(int index) {
        return read(index, (self, i) -> nBytes(self, i, BYTES_SERIAL));
    }

    /**
     * The subjectAltName entries of certificate {@code index} in order, each as
     * {@code mbedtls_x509_parse_subject_alt_name} reads it (empty without the extension). Which
     * kinds this Mbed TLS parses: see {@link SubjectAltName}.
     *
     * @throws MbedTlsException if Mbed TLS kept an entry it then cannot parse
     */
    public List<SubjectAltName> subjectAltNames(int index) {
        byte[][] raw = read(index, X509Crt::nSubjectAltNames);
        return SubjectAltName.listOf(raw, 0);
    }

    /**
     * Whether this Mbed TLS reads a certificate's subjectKeyIdentifier and authorityKeyIdentifier:
     * its {@code mbedtls_x509_crt} has {@code subject_key_id} and {@code authority_key_id} since
     * 3.5. Mbed TLS 2.28 skips both extensions; there {@link #subjectKeyIdentifier} and
     * {@link #authorityKeyIdentifier} throw {@link UnsupportedOperationException}.
     */
    public static boolean hasKeyIdentifiers() {
        io.github.mbedtlsjni.internal.NativeLibrary.ensureLoaded();
        return nKeyIdsUnavailable() == null;
    }

    /**
     * The subjectKeyIdentifier of certificate {@code index}: the keyIdentifier bytes of Mbed TLS's
     * {@code subject_key_id} (its OCTET STRING's contents, a new array), or null if the
     * certificate has no such extension.
     *
     * @throws UnsupportedOperationException on Mbed TLS before 3.5 (2.28), which does not read it,
     *     naming the linked version (see {@link #hasKeyIdentifiers()})
     */
    public byte[] subjectKeyIdentifier(int index) {
        return read(index, X509Crt::nSubjectKeyId);
    }

    /**
     * The authorityKeyIdentifier of certificate {@code index} as Mbed TLS parsed it
     * ({@code authority_key_id}: keyIdentifier, authorityCertIssuer, authorityCertSerialNumber), or
     * null if the certificate has none of the three (no such extension; an empty one reads the
     * same, and {@link #extensionTypes} tells them apart).
     *
     * @throws MbedTlsException if Mbed TLS kept an authorityCertIssuer entry it then cannot parse
     * @throws UnsupportedOperationException on Mbed TLS before 3.5 (2.28), which does not read it,
     *     naming the linked version (see {@link #hasKeyIdentifiers()})
     */
    public AuthorityKeyIdentifier authorityKeyIdentifier(int index) {
        byte[][] raw = read(index, X509Crt::nAuthorityKeyId);
        return raw == null ? null : AuthorityKeyIdentifier.of(raw);
    }

    /**
     * The extendedKeyUsage purposes of certificate {@code index}: the OIDs of Mbed TLS's
     * {@code ext_key_usage} in the certificate's order, dotted
     * ({@code mbedtls_oid_get_numeric_string}, e.g. {@code "1.3.6.1.5.5.7.3.1"} for serverAuth);
     * empty without the extension. What
     * {@link #checkExtendedKeyUsage} checks against.
     *
     * @throws MbedTlsException if Mbed TLS kept an OID it cannot write dotted
     */
    public List<String> extendedKeyUsages(int index) {
        return List.of(read(index, X509Crt::nExtendedKeyUsages));
    }

    /**
     * The subject of certificate {@code index} attribute by attribute, as Mbed TLS parsed it (its
     * {@code subject}, an {@code mbedtls_x509_name} list, in order): what {@link #subject} prints.
     * Empty for an empty subject.
     *
     * @throws MbedTlsException if Mbed TLS kept an attribute type it cannot write dotted
     */
    public List<NameAttribute> subjectAttributes(int index) {
        return attributes(index, true);
    }

    /**
     * The issuer of certificate {@code index} attribute by attribute (Mbed TLS's {@code issuer}):
     * what {@link #issuer} prints; see {@link #subjectAttributes}.
     */
    public List<NameAttribute> issuerAttributes(int index) {
        return attributes(index, false);
    }

    /**
     * The public key of certificate {@code index} as a new public-only {@link PkContext}, which the
     * caller closes: Mbed TLS's parsed {@code pk} written with {@code mbedtls_pk_write_pubkey_der}
     * and read back with {@link PkContext#parsePublicKey} ({@code mbedtls_pk_parse_public_key}).
     *
     * @throws UnsupportedOperationException if this Mbed TLS is built without
     *     {@code MBEDTLS_PK_WRITE_C}, saying so
     */
    public PkContext publicKey(int index) {
        return PkContext.ofPublicKey(read(index, X509Crt::nPublicKeyDer));
    }

    /** The version of certificate {@code index} as Mbed TLS stores it: 1, 2 or 3. */
    public int version(int index) {
        return fields(index)[FIELD_VERSION];
    }

    /**
     * The signature algorithm of certificate {@code index} as Mbed TLS describes its OID
     * ({@code mbedtls_oid_get_sig_alg_desc}, e.g. {@code "ECDSA with SHA256"}), or null if Mbed
     * TLS has no description for it.
     */
    public String signatureAlgorithm(int index) {
        return read(index, (self, i) -> nAlgorithm(self, i, 0));
    }

    /** The type of the public key of certificate {@code index}, {@code mbedtls_pk_get_name} (e.g. {@code "EC"}, {@code "RSA"}). */
    public String publicKeyType(int index) {
        return read(index, (self, i) -> nAlgorithm(self, i, 1));
    }

    /** The size in bits of the public key of certificate {@code index}, {@code mbedtls_pk_get_bitlen}. */
    public int publicKeyBits(int index) {
        return fields(index)[FIELD_PK_BITS];
    }

    /** Whether certificate {@code index} has basicConstraints with cA true (Mbed TLS's {@code ca_istrue}). */
    public boolean isCa(int index) {
        return fields(index)[FIELD_CA] != 0;
    }

    /**
     * The basicConstraints pathLenConstraint of certificate {@code index}, or -1 if it has none
     * (Mbed TLS's {@code max_pathlen} minus one: Mbed TLS stores it plus one, 0 for none).
     */
    public int maxPathLength(int index) {
        return fields(index)[FIELD_MAX_PATHLEN] - 1;
    }

    /**
     * The keyUsage bits of certificate {@code index} as Mbed TLS stores them ({@code KU_*}
     * constants; 0 without the extension: then {@link #extensionTypes} lacks
     * {@code MBEDTLS_X509_EXT_KEY_USAGE}).
     */
    public int keyUsage(int index) {
        return fields(index)[FIELD_KEY_USAGE];
    }

    /**
     * The extensions Mbed TLS recognised in certificate {@code index}: its {@code ext_types}
     * bits, {@code MBEDTLS_X509_EXT_*} (e.g. {@code 1 << 2} keyUsage, {@code 1 << 5}
     * subjectAltName, {@code 1 << 8} basicConstraints, {@code 1 << 11} extendedKeyUsage).
     * Extensions it skips are not in it.
     */
    public int extensionTypes(int index) {
        return fields(index)[FIELD_EXT_TYPES];
    }

    /**
     * {@code mbedtls_x509_crt_check_key_usage}: whether certificate {@code index} allows all of
     * {@code usage} ({@code KU_*} bits); true if it has no keyUsage extension. As in Mbed TLS,
     * {@link #KU_ENCIPHER_ONLY} and {@link #KU_DECIPHER_ONLY} must be asked for exactly as the
     * certificate has them (a certificate with decipherOnly fails a check without it).
     */
    public boolean checkKeyUsage(int index, int usage) {
        return read(index, (self, i) -> nCheckUsage(self, i, usage, null)) == 0;
    }

    /**
     * {@code mbedtls_x509_crt_check_extended_key_usage}: whether certificate {@code index} allows
     * the purpose {@code oid} (dotted, e.g. {@code "1.3.6.1.5.5.7.3.1"} for serverAuth); true if it
     * has no extendedKeyUsage extension, or if it lists anyExtendedKeyUsage.
     *
     * @throws IllegalArgumentException if {@code oid} is not a dotted OID
     */
    public boolean checkExtendedKeyUsage(int index, String oid) {
        byte[] der = Oids.encode(oid);
        return read(index, (self, i) -> nCheckUsage(self, i, 0, der)) == 0;
    }

    /** The to-be-signed part of certificate {@code index} (DER), as Mbed TLS located it: what its signature covers. */
    public byte[] tbs(int index) {
        return read(index, (self, i) -> nBytes(self, i, BYTES_TBS));
    }

    /** The signature value of certificate {@code index}: the bytes of Mbed TLS's {@code sig}. */
    public byte[] signature(int index) {
        return read(index, (self, i) -> nBytes(self, i, BYTES_SIGNATURE));
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
        return verify(trusted, crls, expectedName, profile, Purpose.ANY, null);
    }

    /**
     * What the leaf certificate is to be used for, checked after the chain as a handshake checks
     * it ({@code mbedtls_ssl_check_cert_usage}, with Mbed TLS's {@code mbedtls_x509_crt_check_key_usage}
     * and {@code mbedtls_x509_crt_check_extended_key_usage}): a failed check adds
     * {@code MBEDTLS_X509_BADCERT_KEY_USAGE} or {@code MBEDTLS_X509_BADCERT_EXT_KEY_USAGE}.
     */
    public enum Purpose {
        /** No usage check: the chain alone, as {@code mbedtls_x509_crt_verify_with_profile} checks it. */
        ANY,
        /**
         * What a TLS client checks of a server's certificate in TLS 1.3 and in TLS 1.2 with an
         * (EC)DHE suite: keyUsage digitalSignature and extendedKeyUsage serverAuth (a certificate
         * without either extension passes that check). A TLS 1.2 RSA key exchange would ask for
         * keyEncipherment instead, a static ECDH suite keyAgreement.
         */
        TLS_SERVER,
        /** What a TLS server checks of a client's certificate: keyUsage digitalSignature and extendedKeyUsage clientAuth. */
        TLS_CLIENT
    }

    /**
     * {@link #verify(X509Crt, X509Crl, String, VerifyProfile)} with the leaf's {@link Purpose}
     * checked as a handshake would, and a verify callback ({@code f_vrfy}), called for each
     * certificate of the chain from the top down with its depth and flags, whose answer replaces
     * that certificate's flags (see {@link X509VerifyCallback}). The purpose's flags are added
     * after the callback, as in a handshake.
     *
     * @param purpose what the leaf is for ({@link Purpose#ANY}: no usage check)
     * @param callback the callback, or null for none
     * @throws RuntimeException what the callback threw, unchanged
     */
    public VerifyResult verify(X509Crt trusted, X509Crl crls, String expectedName, VerifyProfile profile,
            Purpose purpose, X509VerifyCallback callback) {
        Objects.requireNonNull(trusted, "trusted (may be an empty X509Crt)");
        Objects.requireNonNull(purpose, "purpose (Purpose.ANY checks no usage)");
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
                                VerifyProfile.mask(profile.allowedCurves()), profile.minRsaBits(), purpose.ordinal(), callback);
                        return new VerifyResult(flags, VerifyResult.verifyInfo(flags, ""));
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
        return read(index, (self, i) -> nName(self, i, subject));
    }

    private List<NameAttribute> attributes(int index, boolean subject) {
        return NameAttribute.listOf(read(index, (self, i) -> nNameAttributes(self, i, subject)));
    }

    private int[] fields(int index) {
        return read(index, X509Crt::nFields);
    }

    /** A read of certificate {@code index} under the read lock, with the index checked. */
    private <T> T read(int index, ListGuard.ElementReader<T> reader) {
        return guard.readElement(handle, index, X509Crt::nCount, "certificate", "chain", reader);
    }

    private Instant time(int index, boolean from) {
        return utc(read(index, (self, i) -> nTime(self, i, from)), 0);
    }

    /** An Mbed TLS {@code mbedtls_x509_time} as the glue passes it: six ints from {@code at}. */
    static Instant utc(int[] t, int at) {
        return LocalDateTime.of(t[at], t[at + 1], t[at + 2], t[at + 3], t[at + 4], t[at + 5]).toInstant(ZoneOffset.UTC);
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

    private static native void nParseDer(long crt, byte[] der, ExtensionCall callback);

    private static native int nParseFile(long crt, String path);

    private static native int nParsePath(long crt, String path);

    private static native int nCount(long crt);

    private static native byte[] nDer(long crt, int index);

    private static native byte[][] nDers(long crt);

    private static native int[] nTime(long crt, int index, boolean from);

    private static native String nName(long crt, int index, boolean subject);

    private static native String nInfo(long crt, int index);

    private static native int nVerify(long crt, long trusted, long crl, String expectedName, int profileKind,
            int hashes, int pkTypes, int curves, int minRsaBits, int purpose, X509VerifyCallback callback);

    private static native int[] nFields(long crt, int index);

    private static native byte[] nBytes(long crt, int index, int which);

    private static native String nAlgorithm(long crt, int index, int which);

    private static native int nCheckUsage(long crt, int index, int usage, byte[] oid);

    private static native byte[][] nSubjectAltNames(long crt, int index);

    private static native byte[] nSubjectKeyId(long crt, int index);

    private static native byte[][] nAuthorityKeyId(long crt, int index);

    private static native String nKeyIdsUnavailable();

    private static native String[] nExtendedKeyUsages(long crt, int index);

    private static native byte[][] nNameAttributes(long crt, int index, boolean subject);

    private static native byte[] nPublicKeyDer(long crt, int index);

    static native String nVerifyInfo(int flags, String prefix);
}
