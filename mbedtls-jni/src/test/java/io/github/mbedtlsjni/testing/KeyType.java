package io.github.mbedtlsjni.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kinds of key pair a test certificate can carry, with key generation and a per-JVM
 * key cache.
 *
 * <p>Key generation (RSA especially) is the slow part of building a PKI, so {@link #cached}
 * hands out one key pair per {@code (type, label)} for the life of the JVM. Certificates that
 * share a label share a key; pick a distinct label (or {@link #generate()}) when a test needs
 * keys to differ.
 */
public enum KeyType {
    /** ECDSA on NIST P-256 (secp256r1), signing with SHA256withECDSA. */
    EC_P256("EC", 256, "SHA256withECDSA"),
    /** ECDSA on NIST P-384 (secp384r1), signing with SHA384withECDSA. */
    EC_P384("EC", 384, "SHA384withECDSA"),
    /** RSA with a 1024-bit modulus: too weak for most policies, for error tests. */
    RSA_1024("RSA", 1024, "SHA256withRSA"),
    /** RSA with a 2048-bit modulus, signing with SHA256withRSA. */
    RSA_2048("RSA", 2048, "SHA256withRSA"),
    /** Ed25519 (RFC 8410), signing with Ed25519. */
    ED25519("Ed25519", 255, "Ed25519");

    private static final Map<String, KeyPair> CACHE = new ConcurrentHashMap<>();

    private final String algorithm;
    private final int bits;
    private final String signatureAlgorithm;

    KeyType(String algorithm, int bits, String signatureAlgorithm) {
        this.algorithm = algorithm;
        this.bits = bits;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The JCA key algorithm name: {@code EC}, {@code RSA} or {@code Ed25519}. */
    public String algorithm() {
        return algorithm;
    }

    /** Key size in bits (curve size for EC). */
    public int bits() {
        return bits;
    }

    /** The signature algorithm a CA holding this kind of key signs with by default. */
    public String defaultSignatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** Whether this is an RSA key type. */
    public boolean isRsa() {
        return algorithm.equals("RSA");
    }

    /** Generates a fresh key pair (never cached). */
    public KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            switch (this) {
                case EC_P256: generator.initialize(new ECGenParameterSpec("secp256r1")); break;
                case EC_P384: generator.initialize(new ECGenParameterSpec("secp384r1")); break;
                case RSA_1024: case RSA_2048: generator.initialize(bits); break;
                default: break;
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + this + " key", e);
        }
    }

    /**
     * Returns the key pair of this type cached under {@code label}, generating it on first use.
     * The same label always yields the same key within one JVM.
     */
    public KeyPair cached(String label) {
        return CACHE.computeIfAbsent(this + "/" + label, k -> generate());
    }
}
