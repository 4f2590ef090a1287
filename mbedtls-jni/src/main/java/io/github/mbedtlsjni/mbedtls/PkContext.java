package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.Codes;
import io.github.mbedtlsjni.internal.InputFiles;
import io.github.mbedtlsjni.internal.NativeLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A private key, {@code mbedtls_pk_context}: the key of a client certificate for mutual TLS.
 *
 * <p>{@code new PkContext()} is {@code mbedtls_pk_init}; {@link #parseKey} is
 * {@code mbedtls_pk_parse_key} and {@link #parseKeyFile} {@code mbedtls_pk_parse_keyfile} (PEM or
 * DER; PKCS#1, SEC1 or PKCS#8; encrypted PEM and encrypted PKCS#8 with a password);
 * {@link #close()} is {@code mbedtls_pk_free}, which also wipes the key. An {@link SslConfig}
 * using the key ({@link SslConfig#setOwnCert}) keeps it allocated, and from then on it can no
 * longer be changed.
 *
 * <p>Mbed TLS 3.x parses with a random generator (for blinding); the methods without a
 * {@link CtrDrbg} make a temporary one. Passwords are given to Mbed TLS as UTF-8; the binding's
 * copies are wiped after use.
 *
 * <p><b>New keys and writing them.</b> {@link #generateEc} ({@code mbedtls_pk_setup} +
 * {@code mbedtls_ecp_gen_key}) and {@link #generateRsa} ({@code mbedtls_rsa_gen_key}) make a key
 * with the caller's seeded {@link CtrDrbg}; {@link #privateKeyPem()} and {@link #privateKeyDer()}
 * ({@code mbedtls_pk_write_key_pem}/{@code _der}, SEC1 for EC, PKCS#1 for RSA) and
 * {@link #publicKeyPem()}, {@link #publicKeyDer()} ({@code mbedtls_pk_write_pubkey_pem}/{@code _der},
 * SubjectPublicKeyInfo) write any key. The private key's bytes are returned in a new array only
 * (never a String): the caller wipes it ({@code Arrays.fill(bytes, (byte) 0)}) when done; the
 * native buffer it was written to is wiped ({@code mbedtls_platform_zeroize}) before it is freed.
 * {@link #parsePublicKey} ({@code mbedtls_pk_parse_public_key}) makes a public-only context: it
 * can be a certificate's subject key ({@link X509CrtWriter}), never sign or write a private key.
 *
 * <p>A key from a {@link java.security.KeyStore} (PKCS#12, say) is
 * {@code parseKey(privateKey.getEncoded(), null)}: the JDK encodes private keys as PKCS#8 DER.
 *
 * <p><b>Wrong passwords.</b> Mbed TLS recognizes a wrong password by the padding and the first
 * bytes of what it decrypted, which a wrong password matches by chance now and then (about 1 in
 * 256 for PKCS#8); it then reports the format error it meets in the garbage, e.g.
 * {@code -0x3D62 MBEDTLS_ERR_PK_KEY_INVALID_FORMAT + MBEDTLS_ERR_ASN1_UNEXPECTED_TAG}, instead of
 * {@code MBEDTLS_ERR_PK_PASSWORD_MISMATCH}. So when an encrypted key fails to parse with a
 * password, the exception always says "wrong password, or a damaged key" and keeps Mbed TLS's
 * code and text; only failures that happen before decrypting (an unsupported cipher, no memory)
 * say what they are.
 */
public final class PkContext extends NativeResource {
    private static final Type TYPE = new Type("PkContext") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    private boolean hasKey; // guarded by this
    private boolean publicOnly; // guarded by this: parsed with parsePublicKey
    private boolean frozen; // guarded by this

    /** {@code mbedtls_pk_init}: an empty key context. */
    public PkContext() {
        super(TYPE);
    }

    /** A new key context holding {@code key}, parsed with {@link #parseKey(byte[], char[])}. */
    public static PkContext of(byte[] key, char[] password) {
        PkContext pk = new PkContext();
        try {
            pk.parseKey(key, password);
            return pk;
        } catch (RuntimeException e) {
            pk.close();
            throw e;
        }
    }

    /**
     * {@code mbedtls_pk_parse_key(&pk, key, keylen, pwd, pwdlen, mbedtls_ctr_drbg_random, &drbg)}
     * (2.28: without the RNG).
     *
     * @param key the key, PEM or DER
     * @param password the password of an encrypted key, or null
     * @param rng the random generator Mbed TLS 3.x uses while parsing (must be seeded)
     * @throws MbedTlsException if the key cannot be parsed, with Mbed TLS's code:
     *     {@code MBEDTLS_ERR_PK_PASSWORD_REQUIRED} (encrypted, no password),
     *     {@code MBEDTLS_ERR_PK_PASSWORD_MISMATCH}, {@code ..._KEY_INVALID_FORMAT}... For an
     *     encrypted key with a password, every failure after decryption reads "wrong password,
     *     or a damaged key", whatever the code (see the class comment)
     * @throws IllegalStateException if this context already holds a key, or is closed
     */
    public synchronized void parseKey(byte[] key, char[] password, CtrDrbg rng) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(rng, "rng");
        checkEmpty();
        rng.requireSeeded();
        byte[] pwd = utf8(password);
        long self = handle.acquire();
        try {
            long r = rng.handle.acquire();
            try {
                nParseKey(self, key, pwd, r);
                hasKey = true;
            } finally {
                rng.handle.release();
            }
        } catch (MbedTlsException e) {
            throw explained(e, null, key, password != null);
        } finally {
            handle.release();
            wipe(pwd);
        }
    }

    /** {@link #parseKey(byte[], char[], CtrDrbg)} with a temporary random generator. */
    public void parseKey(byte[] key, char[] password) {
        try (Entropy entropy = new Entropy(); CtrDrbg rng = new CtrDrbg()) {
            rng.seed(entropy, "mbedtls-jni pk parse");
            parseKey(key, password, rng);
        }
    }

    /**
     * {@code mbedtls_pk_parse_keyfile(&pk, path, password, mbedtls_ctr_drbg_random, &drbg)}
     * (2.28: without the RNG).
     *
     * @throws java.io.UncheckedIOException if the file does not exist, cannot be read or is a
     *     directory (checked before Mbed TLS reads it)
     * @throws MbedTlsException naming the file if Mbed TLS cannot parse it, as for {@link #parseKey}
     */
    public synchronized void parseKeyFile(Path file, char[] password, CtrDrbg rng) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(rng, "rng");
        checkEmpty();
        rng.requireSeeded();
        InputFiles.requireReadableFile(file, null);
        byte[] pwd = utf8(password);
        long self = handle.acquire();
        try {
            long r = rng.handle.acquire();
            try {
                nParseKeyFile(self, file.toString(), pwd, r);
                hasKey = true;
            } finally {
                rng.handle.release();
            }
        } catch (MbedTlsException e) {
            byte[] head = head(file);
            try {
                throw explained(e, file, head, password != null);
            } finally {
                wipe(head);
            }
        } finally {
            handle.release();
            wipe(pwd);
        }
    }

    /** {@link #parseKeyFile(Path, char[], CtrDrbg)} with a temporary random generator. */
    public void parseKeyFile(Path file, char[] password) {
        try (Entropy entropy = new Entropy(); CtrDrbg rng = new CtrDrbg()) {
            rng.seed(entropy, "mbedtls-jni pk parse");
            parseKeyFile(file, password, rng);
        }
    }

    /**
     * A new EC key pair on {@code curve}: {@code mbedtls_pk_setup(MBEDTLS_PK_ECKEY)} then
     * {@code mbedtls_ecp_gen_key}. Any curve of {@link #ecCurves()} can be generated; ECDSA (and so
     * a CSR or certificate signature) works on the short Weierstrass ones ({@code secp*},
     * {@code brainpool*}), not on {@code x25519} or {@code x448}, whose signature Mbed TLS refuses
     * when the writer signs.
     *
     * @param curve the curve as Mbed TLS names it ({@code mbedtls_ecp_curve_info_from_name}):
     *     {@code secp256r1}, {@code secp384r1}, {@code secp521r1}, {@code brainpoolP256r1}...
     * @param rng the seeded random generator the key is drawn from
     * @throws MbedTlsException {@code MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE} naming the curves this
     *     Mbed TLS has, for an unknown curve; or what {@code mbedtls_ecp_gen_key} returned
     */
    public static PkContext generateEc(String curve, CtrDrbg rng) {
        Objects.requireNonNull(curve, "curve");
        return generated(rng, (self, r) -> nGenerateEc(self, curve, r));
    }

    /** {@link #generateRsa(int, int, CtrDrbg)} with the public exponent 65537. */
    public static PkContext generateRsa(int bits, CtrDrbg rng) {
        return generateRsa(bits, 65537, rng);
    }

    /**
     * A new RSA key pair: {@code mbedtls_pk_setup(MBEDTLS_PK_RSA)} then
     * {@code mbedtls_rsa_gen_key(rsa, mbedtls_ctr_drbg_random, &drbg, bits, exponent)}. Mbed TLS
     * decides which sizes it takes (3.6: even sizes from 1024 to 8192 bits, 2.28 from 128); a
     * 2048-bit key takes about a second, a 4096-bit one many.
     *
     * @throws IllegalArgumentException if {@code bits} or {@code exponent} is not positive, or the
     *     exponent is even (Mbed TLS would search forever for primes that suit it)
     * @throws MbedTlsException what {@code mbedtls_rsa_gen_key} returned, e.g.
     *     {@code MBEDTLS_ERR_RSA_BAD_INPUT_DATA} for a size it refuses, with the size in the detail
     */
    public static PkContext generateRsa(int bits, int exponent, CtrDrbg rng) {
        if (bits <= 0 || exponent <= 0) {
            throw new IllegalArgumentException("RSA key size " + bits + " bits, exponent " + exponent + ": both must be positive");
        }
        if (exponent % 2 == 0) {
            // No prime p has gcd(e, p - 1) = 1 for an even e: mbedtls_rsa_gen_key would never return.
            throw new IllegalArgumentException("RSA public exponent " + exponent + " is even: it must be odd (65537)");
        }
        return generated(rng, (self, r) -> nGenerateRsa(self, bits, exponent, r));
    }

    /** The curves this Mbed TLS's ecp module has, as {@code mbedtls_ecp_curve_list} names them. */
    public static List<String> ecCurves() {
        NativeLibrary.ensureLoaded();
        return List.of(nCurves());
    }

    private interface Generator {
        void generate(long self, long rng);
    }

    private static PkContext generated(CtrDrbg rng, Generator generator) {
        Objects.requireNonNull(rng, "rng");
        rng.requireSeeded();
        PkContext pk = new PkContext();
        try {
            long self = pk.handle.acquire();
            try {
                long r = rng.handle.acquire();
                try {
                    generator.generate(self, r);
                } finally {
                    rng.handle.release();
                }
            } finally {
                pk.handle.release();
            }
            synchronized (pk) {
                pk.hasKey = true;
            }
            return pk;
        } catch (RuntimeException e) {
            pk.close();
            throw e;
        }
    }

    /**
     * {@code mbedtls_pk_parse_public_key}: a public key (SubjectPublicKeyInfo, or PKCS#1 RSA), PEM
     * or DER. The context then holds a public key only.
     *
     * @throws MbedTlsException if Mbed TLS cannot parse it
     * @throws IllegalStateException if this context already holds a key, or is closed
     */
    public synchronized void parsePublicKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        checkEmpty();
        long self = handle.acquire();
        try {
            nParsePublicKey(self, key);
            hasKey = true;
            publicOnly = true;
        } finally {
            handle.release();
        }
    }

    /** A new context holding the public key {@code der}, parsed with {@link #parsePublicKey}. */
    static PkContext ofPublicKey(byte[] der) {
        PkContext pk = new PkContext();
        try {
            pk.parsePublicKey(der);
            return pk;
        } catch (RuntimeException e) {
            pk.close();
            throw e;
        }
    }

    /** True if this context holds a private key (generated or parsed with {@link #parseKey}). */
    public synchronized boolean hasPrivateKey() {
        return hasKey && !publicOnly;
    }

    /**
     * {@code mbedtls_pk_write_key_pem}: the private key as PEM ({@code EC PRIVATE KEY}, SEC1, or
     * {@code RSA PRIVATE KEY}, PKCS#1), unencrypted. The caller owns the array and should wipe it.
     *
     * @throws IllegalStateException if this context holds no private key, or is closed
     */
    public byte[] privateKeyPem() {
        return write(WRITE_KEY_PEM);
    }

    /** {@code mbedtls_pk_write_key_der}: as {@link #privateKeyPem()}, DER. The caller should wipe the array. */
    public byte[] privateKeyDer() {
        return write(WRITE_KEY_DER);
    }

    /** {@code mbedtls_pk_write_pubkey_pem}: the public key as a PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo). */
    public byte[] publicKeyPem() {
        return write(WRITE_PUBKEY_PEM);
    }

    /** {@code mbedtls_pk_write_pubkey_der}: the SubjectPublicKeyInfo DER. */
    public byte[] publicKeyDer() {
        return write(WRITE_PUBKEY_DER);
    }

    private static final int WRITE_KEY_DER = 0;
    private static final int WRITE_KEY_PEM = 1;
    private static final int WRITE_PUBKEY_DER = 2;
    private static final int WRITE_PUBKEY_PEM = 3;

    private synchronized byte[] write(int what) {
        if (!hasKey) {
            throw new IllegalStateException("PkContext holds no key: generate or parse one first");
        }
        if (publicOnly && (what == WRITE_KEY_DER || what == WRITE_KEY_PEM)) {
            throw new IllegalStateException("PkContext holds a public key only: there is no private key to write");
        }
        long self = handle.acquire();
        try {
            return nWrite(self, what);
        } finally {
            handle.release();
        }
    }

    /**
     * Takes a reference for a writer's native call on a key that must hold a key (a private one
     * if {@code signing}); the caller releases {@link #handle}.
     */
    synchronized long acquireKey(String role, boolean signing) {
        if (!hasKey) {
            throw new IllegalStateException("the " + role + " PkContext holds no key: generate or parse one first");
        }
        if (signing && publicOnly) {
            throw new IllegalStateException("the " + role + " PkContext holds a public key only: signing needs the private key");
        }
        return handle.acquire();
    }

    /** The key type as {@code mbedtls_pk_get_name} names it ({@code RSA}, {@code EC}, ...; {@code invalid PK} when empty). */
    public synchronized String name() {
        long self = handle.acquire();
        try {
            return nName(self);
        } finally {
            handle.release();
        }
    }

    /** The key size in bits ({@code mbedtls_pk_get_bitlen}; 0 when empty). */
    public synchronized int bits() {
        long self = handle.acquire();
        try {
            return nBits(self);
        } finally {
            handle.release();
        }
    }

    /** True once a key was parsed into this context. */
    public synchronized boolean hasKey() {
        return hasKey;
    }

    /** Called under the config's lock when a config starts using this key. */
    synchronized void freeze() {
        frozen = true;
    }

    private void checkEmpty() {
        if (frozen) {
            throw new IllegalStateException("PkContext is in use by an SslConfig and can no longer be changed");
        }
        if (hasKey) {
            throw new IllegalStateException("PkContext already holds a key (mbedtls_pk_parse_key needs an empty context)");
        }
    }

    /**
     * Mbed TLS codes with which a parse ends before anything was decrypted: in a holder, so that
     * the C side's table is asked for them only when a parse has failed.
     */
    private static final class NotDecrypted {
        static final int[] CODES = {
            Codes.PK_PASSWORD_REQUIRED,
            Codes.PK_FEATURE_UNAVAILABLE,
            Codes.PK_ALLOC_FAILED,
            Codes.PK_FILE_IO_ERROR,
            Codes.PEM_FEATURE_UNAVAILABLE,
            Codes.PEM_UNKNOWN_ENC_ALG,
            Codes.PEM_ALLOC_FAILED,
            Codes.PKCS5_FEATURE_UNAVAILABLE,
            Codes.PKCS12_FEATURE_UNAVAILABLE,
            Codes.CIPHER_FEATURE_UNAVAILABLE,
            Codes.CIPHER_ALLOC_FAILED,
        };
    }

    /** {@code e} with what the user can do about it, when that is known: see the class comment. */
    private static MbedTlsException explained(MbedTlsException e, Path file, byte[] key, boolean withPassword) {
        String hint = null;
        if (key != null && isEncrypted(key)) {
            if (e.code() == Codes.PK_PASSWORD_REQUIRED || !withPassword) {
                hint = "the key is encrypted: give its password (an empty one counts as none)";
            } else if (!contains(NotDecrypted.CODES, e.code())) {
                hint = "wrong password, or a damaged key";
            }
        } else if (key != null) {
            hint = InputFiles.keyStoreHint(key, "key");
        }
        if (hint == null) {
            return e;
        }
        MbedTlsException explained = new MbedTlsException(e.code(), e.function(), e.errorText(),
                (file == null ? "" : file + ": ") + hint);
        explained.initCause(e);
        return explained;
    }

    /**
     * True for an encrypted key: PEM "ENCRYPTED PRIVATE KEY" (PKCS#8) or with
     * "Proc-Type: 4,ENCRYPTED" (OpenSSL's legacy encryption), or DER EncryptedPrivateKeyInfo (a
     * SEQUENCE whose first member is a SEQUENCE, where the unencrypted forms have an INTEGER).
     */
    static boolean isEncrypted(byte[] key) {
        int n = Math.min(key.length, 4096);
        if (indexOf(key, n, "-----BEGIN") >= 0) {
            return indexOf(key, n, "-----BEGIN ENCRYPTED PRIVATE KEY-----") >= 0 || indexOf(key, n, "Proc-Type: 4,ENCRYPTED") >= 0;
        }
        if (key.length < 4 || (key[0] & 0xFF) != 0x30) {
            return false;
        }
        int header = (key[1] & 0x80) == 0 ? 2 : 2 + (key[1] & 0x7F);
        return key.length > header && (key[header] & 0xFF) == 0x30;
    }

    /** Where the ASCII {@code text} starts in {@code data[0..n)}, or -1 (no String copy of key material). */
    private static int indexOf(byte[] data, int n, String text) {
        outer:
        for (int i = 0; i + text.length() <= n; i++) {
            for (int j = 0; j < text.length(); j++) {
                if (data[i + j] != (byte) text.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The first 4 KiB of {@code file} (enough to tell an encrypted key), or null if unreadable. */
    private static byte[] head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(4096);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean contains(int[] codes, int code) {
        for (int c : codes) {
            if (c == code) {
                return true;
            }
        }
        return false;
    }

    private static byte[] utf8(char[] password) {
        if (password == null) {
            return null;
        }
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }

    private static void wipe(byte[] bytes) {
        if (bytes != null) {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static native long nInit();

    private static native void nFree(long pk);

    private static native void nParseKey(long pk, byte[] key, byte[] password, long drbg);

    private static native void nParseKeyFile(long pk, String path, byte[] password, long drbg);

    private static native String nName(long pk);

    private static native void nParsePublicKey(long pk, byte[] key);

    private static native String[] nCurves();

    private static native void nGenerateEc(long pk, String curve, long drbg);

    private static native void nGenerateRsa(long pk, int bits, int exponent, long drbg);

    private static native byte[] nWrite(long pk, int what);

    private static native int nBits(long pk);
}
