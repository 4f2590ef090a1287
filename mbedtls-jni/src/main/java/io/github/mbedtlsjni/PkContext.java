package io.github.mbedtlsjni;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
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
 * <p>A key from a {@link java.security.KeyStore} (PKCS#12, say) is
 * {@code parseKey(privateKey.getEncoded(), null)}: the JDK encodes private keys as PKCS#8 DER.
 */
public final class PkContext extends NativeResource {
    private boolean hasKey; // guarded by this
    private boolean frozen; // guarded by this

    /** {@code mbedtls_pk_init}: an empty key context. */
    public PkContext() {
        super("PkContext", PkContext::nInit, PkContext::nFree);
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
     * @throws MbedTlsException if the key cannot be parsed: {@code MBEDTLS_ERR_PK_PASSWORD_REQUIRED}
     *     (encrypted, no password), {@code MBEDTLS_ERR_PK_PASSWORD_MISMATCH}, {@code ..._KEY_INVALID_FORMAT}...
     * @throws IllegalStateException if this context already holds a key, or is closed
     */
    public synchronized void parseKey(byte[] key, char[] password, CtrDrbg rng) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(rng, "rng");
        checkEmpty();
        if (!rng.isSeeded()) {
            throw new IllegalStateException("CtrDrbg is not seeded: call drbg.seed(entropy, personalization) first");
        }
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
     * @throws MbedTlsException naming the file if it cannot be read or parsed
     */
    public synchronized void parseKeyFile(Path file, char[] password, CtrDrbg rng) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(rng, "rng");
        checkEmpty();
        if (!rng.isSeeded()) {
            throw new IllegalStateException("CtrDrbg is not seeded: call drbg.seed(entropy, personalization) first");
        }
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

    private static native int nBits(long pk);
}
