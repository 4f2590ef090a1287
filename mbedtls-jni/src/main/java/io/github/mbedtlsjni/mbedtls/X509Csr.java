package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.InputFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One certificate signing request (PKCS#10), {@code mbedtls_x509_csr}, as Mbed TLS reads it.
 *
 * <p>{@code new X509Csr()} is {@code mbedtls_x509_csr_init}; {@link #parse} ({@code mbedtls_x509_csr_parse},
 * PEM or DER), {@link #parseDer} ({@code mbedtls_x509_csr_parse_der}, also with an
 * {@link X509ExtensionCallback} on Mbed TLS 3.6) and {@link #parseFile}
 * ({@code mbedtls_x509_csr_parse_file}) fill it once; {@link #close()} is
 * {@code mbedtls_x509_csr_free}. A second parse into the same object is refused
 * ({@link IllegalStateException}): Mbed TLS would drop the first request without freeing it. Parse
 * failures throw {@link X509ParseException}; a file that is missing, unreadable or a directory is
 * refused before Mbed TLS reads it ({@link java.io.UncheckedIOException}).
 *
 * <p>What the request holds, from Mbed TLS's parse: {@link #subject}, {@link #version},
 * {@link #signatureAlgorithm}, the public key's {@link #publicKeyType type} and
 * {@link #publicKeyBits size} and the key itself ({@link #publicKey}), the {@link #der}, {@link #certificationRequestInfo} and
 * {@link #signature} bytes, {@link #info}, and the requested extensions Mbed TLS reads:
 * {@link #keyUsage}, {@link #subjectAltNames}, {@link #nsCertType} and {@link #extensionTypes}.
 * Mbed TLS 3.6 keeps no other extension of a request: an extendedKeyUsage, for one, is only marked
 * in {@link #extensionTypes}. Mbed TLS 2.28 reads no requested extension at all; there the
 * extension accessors throw {@link IllegalStateException} saying so ({@link #hasExtensions()} is
 * false). Every accessor throws {@link IllegalStateException} before a parse and after
 * {@code close()}.
 *
 * <p><b>Threads.</b> Any thread may use it; readers run in parallel, a parse alone.
 */
public final class X509Csr extends NativeResource {
    private static final int FIELD_VERSION = 0;
    private static final int FIELD_PK_BITS = 1;
    private static final int FIELD_HAS_EXTENSIONS = 2;
    private static final int FIELD_KEY_USAGE = 3;
    private static final int FIELD_NS_CERT_TYPE = 4;
    private static final int FIELD_EXT_TYPES = 5;
    private static final int BYTES_DER = 0;
    private static final int BYTES_CRI = 1;
    private static final int BYTES_SIGNATURE = 2;
    private static final Type TYPE = new Type("X509Csr") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    /** nsCertType SSL client, {@code MBEDTLS_X509_NS_CERT_TYPE_SSL_CLIENT} (the bits of {@link #nsCertType}). */
    public static final int NS_CERT_TYPE_SSL_CLIENT = 0x80;
    /** nsCertType SSL server, {@code MBEDTLS_X509_NS_CERT_TYPE_SSL_SERVER}. */
    public static final int NS_CERT_TYPE_SSL_SERVER = 0x40;
    /** nsCertType e-mail, {@code MBEDTLS_X509_NS_CERT_TYPE_EMAIL}. */
    public static final int NS_CERT_TYPE_EMAIL = 0x20;
    /** nsCertType object signing, {@code MBEDTLS_X509_NS_CERT_TYPE_OBJECT_SIGNING}. */
    public static final int NS_CERT_TYPE_OBJECT_SIGNING = 0x10;
    /** nsCertType reserved bit, {@code MBEDTLS_X509_NS_CERT_TYPE_RESERVED}. */
    public static final int NS_CERT_TYPE_RESERVED = 0x08;
    /** nsCertType SSL CA, {@code MBEDTLS_X509_NS_CERT_TYPE_SSL_CA}. */
    public static final int NS_CERT_TYPE_SSL_CA = 0x04;
    /** nsCertType e-mail CA, {@code MBEDTLS_X509_NS_CERT_TYPE_EMAIL_CA}. */
    public static final int NS_CERT_TYPE_EMAIL_CA = 0x02;
    /** nsCertType object signing CA, {@code MBEDTLS_X509_NS_CERT_TYPE_OBJECT_SIGNING_CA}. */
    public static final int NS_CERT_TYPE_OBJECT_SIGNING_CA = 0x01;

    final ListGuard guard = new ListGuard("X509Csr");

    /** {@code mbedtls_x509_csr_init}: an empty request, to parse one into. */
    public X509Csr() {
        super(TYPE);
    }

    /** A new request parsed from {@code data} (PEM or DER); see {@link #parse}. */
    public static X509Csr of(byte[] data) {
        X509Csr csr = new X509Csr();
        try {
            csr.parse(data);
            return csr;
        } catch (RuntimeException e) {
            csr.close();
            throw e;
        }
    }

    /**
     * {@code mbedtls_x509_csr_parse}: one request, PEM or DER.
     *
     * @throws X509ParseException if Mbed TLS cannot parse it
     * @throws IllegalStateException if this object already holds a request, or this build has no
     *     CSR parsing ({@code MBEDTLS_X509_CSR_PARSE_C} off)
     */
    public void parse(byte[] data) {
        Objects.requireNonNull(data, "data");
        append(self -> nParse(self, data), () -> InputFiles.keyStoreHint(data, "a CSR"), null);
    }

    /** {@code mbedtls_x509_csr_parse_der}: one DER request. See {@link #parse}. */
    public void parseDer(byte[] der) {
        parseDer(der, null);
    }

    /**
     * {@code mbedtls_x509_csr_parse_der_with_ext_cb}: one DER request, asking {@code callback}
     * about each requested extension Mbed TLS does not parse itself (see
     * {@link X509ExtensionCallback}). Mbed TLS 3.6 only.
     *
     * @param callback the callback, or null: then this is {@link #parseDer(byte[])}
     * @throws X509ParseException if Mbed TLS refuses the request (for a critical extension the
     *     callback refused: the callback's code), or if the callback threw (its exception is the
     *     cause, and the object stays empty)
     * @throws IllegalStateException with a callback on Mbed TLS 2.28, which has no such function;
     *     as for {@link #parse}
     */
    public void parseDer(byte[] der, X509ExtensionCallback callback) {
        Objects.requireNonNull(der, "der");
        ExtensionCall call = callback == null ? null : new ExtensionCall(callback);
        append(self -> nParseDer(self, der, call), () -> InputFiles.keyStoreHint(der, "a CSR"), null);
        if (call != null) {
            call.rethrow("mbedtls_x509_csr_parse_der_with_ext_cb");
        }
    }

    /**
     * {@code mbedtls_x509_csr_parse_file}: one request from a PEM or DER file.
     *
     * @throws java.io.UncheckedIOException if the file does not exist, cannot be read or is a
     *     directory (checked before Mbed TLS reads it)
     * @throws X509ParseException naming the file if Mbed TLS cannot parse it
     * @throws IllegalStateException as for {@link #parse}
     */
    public void parseFile(Path file) {
        Objects.requireNonNull(file, "file");
        InputFiles.requireReadableFile(file, "give one file holding one PEM or DER CSR");
        append(self -> nParseFile(self, file.toString()), () -> InputFiles.keyStoreHint(file, "a CSR"), file);
    }

    /** One parse under the write lock; a failure is explained with {@code hint} (and the file, if any). */
    private void append(java.util.function.LongConsumer parse, java.util.function.Supplier<String> hint, Path file) {
        guard.lockForAppend();
        try {
            long self = handle.acquire();
            try {
                parse.accept(self);
            } finally {
                handle.release();
            }
        } catch (X509ParseException e) {
            throw X509Crt.explained(e, file, hint.get());
        } finally {
            guard.unlockAppend();
        }
    }

    /** True once a request was parsed into this object. */
    public boolean isParsed() {
        return read(X509Csr::nParsed);
    }

    /** {@code mbedtls_x509_csr_info}: the request as Mbed TLS describes it, several lines. */
    public String info() {
        return read(X509Csr::nInfo);
    }

    /**
     * The subject as {@code mbedtls_x509_dn_gets} writes it.
     *
     * @throws MbedTlsException if Mbed TLS cannot print it (3.6 refuses a NUL inside a name)
     */
    public String subject() {
        return read(X509Csr::nSubject);
    }

    /**
     * The subject attribute by attribute, as Mbed TLS parsed it (its {@code subject}, an
     * {@code mbedtls_x509_name} list, in order): what {@link #subject} prints, typed as for a
     * certificate ({@link X509Crt#subjectAttributes}).
     *
     * @throws MbedTlsException if Mbed TLS kept an attribute type it cannot write dotted
     */
    public List<NameAttribute> subjectAttributes() {
        return NameAttribute.listOf(read(X509Csr::nSubjectAttributes));
    }

    /** The version as Mbed TLS stores it: 1 for the only version PKCS#10 defines. */
    public int version() {
        return fields()[FIELD_VERSION];
    }

    /**
     * The signature algorithm as Mbed TLS describes its OID ({@code mbedtls_oid_get_sig_alg_desc},
     * e.g. {@code "ECDSA with SHA256"}), or null if Mbed TLS has no description for it.
     */
    public String signatureAlgorithm() {
        return read(self -> nAlgorithm(self, 0));
    }

    /** The type of the requested public key, {@code mbedtls_pk_get_name} (e.g. {@code "EC"}, {@code "RSA"}). */
    public String publicKeyType() {
        return read(self -> nAlgorithm(self, 1));
    }

    /** The size in bits of the requested public key, {@code mbedtls_pk_get_bitlen}. */
    public int publicKeyBits() {
        return fields()[FIELD_PK_BITS];
    }

    /** The whole request (DER) as Mbed TLS holds it (a PEM request decoded). */
    public byte[] der() {
        return read(self -> nBytes(self, BYTES_DER));
    }

    /** The CertificationRequestInfo (DER) as Mbed TLS located it: what the signature covers. */
    public byte[] certificationRequestInfo() {
        return read(self -> nBytes(self, BYTES_CRI));
    }

    /** The signature value: the bytes of Mbed TLS's {@code sig}. */
    public byte[] signature() {
        return read(self -> nBytes(self, BYTES_SIGNATURE));
    }

    /**
     * Whether this Mbed TLS reads a request's extensions (3.6: keyUsage, subjectAltName,
     * nsCertType; 2.28: none, and the accessors of them throw).
     */
    public static boolean hasExtensions() {
        io.github.mbedtlsjni.internal.NativeLibrary.ensureLoaded();
        return nExtensionsUnavailable() == null;
    }

    /**
     * The requested keyUsage bits ({@link X509Crt}{@code .KU_*}, Mbed TLS's {@code key_usage}; 0
     * without the extension).
     *
     * @throws IllegalStateException on Mbed TLS 2.28, which does not read it
     */
    public int keyUsage() {
        return extensionFields()[FIELD_KEY_USAGE];
    }

    /**
     * The requested Netscape certificate type bits ({@code NS_CERT_TYPE_*}, Mbed TLS's
     * {@code ns_cert_type}; 0 without the extension).
     *
     * @throws IllegalStateException on Mbed TLS 2.28, which does not read it
     */
    public int nsCertType() {
        return extensionFields()[FIELD_NS_CERT_TYPE];
    }

    /**
     * The requested extensions Mbed TLS recognised: its {@code ext_types} bits,
     * {@code MBEDTLS_X509_EXT_*} as in {@link X509Crt#extensionTypes} (an extendedKeyUsage is
     * marked here although Mbed TLS keeps nothing of it).
     *
     * @throws IllegalStateException on Mbed TLS 2.28, which does not read them
     */
    public int extensionTypes() {
        return extensionFields()[FIELD_EXT_TYPES];
    }

    /**
     * The requested subjectAltName entries in order, each as
     * {@code mbedtls_x509_parse_subject_alt_name} reads it, typed as for a certificate
     * ({@link X509Crt#subjectAltNames}); empty without the extension.
     *
     * @throws MbedTlsException if Mbed TLS kept an entry it then cannot parse
     * @throws IllegalStateException on Mbed TLS 2.28, which does not read them
     */
    public List<SubjectAltName> subjectAltNames() {
        byte[][] raw = read(X509Csr::nSubjectAltNames);
        return SubjectAltName.listOf(raw, 0);
    }

    /**
     * The requested public key as a new public-only {@link PkContext}, which the caller closes:
     * Mbed TLS's parsed {@code pk} written with {@code mbedtls_pk_write_pubkey_der} and read back
     * with {@link PkContext#parsePublicKey} ({@code mbedtls_pk_parse_public_key}). It can be the
     * subject key of a certificate ({@link X509CrtWriter}).
     *
     * @throws UnsupportedOperationException if this Mbed TLS is built without
     *     {@code MBEDTLS_PK_WRITE_C}, saying so
     */
    public PkContext publicKey() {
        return PkContext.ofPublicKey(read(X509Csr::nPublicKeyDer));
    }

    private int[] fields() {
        return read(X509Csr::nFields);
    }

    private int[] extensionFields() {
        int[] f = fields();
        if (f[FIELD_HAS_EXTENSIONS] == 0) {
            throw new IllegalStateException(nExtensionsUnavailable());
        }
        return f;
    }

    /** One read under the read lock. */
    private <T> T read(java.util.function.LongFunction<T> reader) {
        guard.lockForRead();
        try {
            long self = handle.acquire();
            try {
                return reader.apply(self);
            } finally {
                handle.release();
            }
        } finally {
            guard.unlockRead();
        }
    }

    private static native long nInit();

    private static native void nFree(long csr);

    private static native void nParse(long csr, byte[] data);

    private static native void nParseDer(long csr, byte[] der, ExtensionCall callback);

    private static native void nParseFile(long csr, String path);

    private static native boolean nParsed(long csr);

    private static native String nInfo(long csr);

    private static native String nSubject(long csr);

    private static native byte[][] nSubjectAttributes(long csr);

    private static native int[] nFields(long csr);

    private static native String nAlgorithm(long csr, int which);

    private static native byte[] nBytes(long csr, int which);

    private static native byte[][] nSubjectAltNames(long csr);

    private static native byte[] nPublicKeyDer(long csr);

    private static native String nExtensionsUnavailable();
}
