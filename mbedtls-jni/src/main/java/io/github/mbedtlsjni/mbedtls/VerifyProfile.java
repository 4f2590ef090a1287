package io.github.mbedtlsjni.mbedtls;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A certificate verification profile, {@code mbedtls_x509_crt_profile}: the signature hashes,
 * public-key types and elliptic curves a chain may use, and the minimum RSA key size. A
 * certificate that breaks it is flagged {@code BADCERT_BAD_MD}, {@code BADCERT_BAD_PK} or
 * {@code BADCERT_BAD_KEY} (CRLs: {@code BADCRL_*}).
 *
 * <p>Mbed TLS's own profiles are {@link #DEFAULT} ({@code mbedtls_x509_crt_profile_default}, what
 * a config uses unless told otherwise), {@link #NEXT} ({@code mbedtls_x509_crt_profile_next}) and
 * {@link #SUITE_B} ({@code mbedtls_x509_crt_profile_suiteb}); {@link #custom()} builds any other,
 * starting from nothing allowed (like {@code mbedtls_x509_crt_profile_none}). Use one with
 * {@link SslConfig#setVerifyProfile} (handshakes) or {@link X509Crt#verify} (offline).
 *
 * <p>An immutable Java value: the native {@code mbedtls_x509_crt_profile} is filled in from it by
 * the call that uses it, and lives inside that config (or on the stack of that verify call).
 */
public final class VerifyProfile {
    /** Signature hash algorithms, {@code mbedtls_md_type_t}. */
    public enum Hash {
        /** {@code MBEDTLS_MD_MD5}. */ MD5,
        /** {@code MBEDTLS_MD_RIPEMD160}. */ RIPEMD160,
        /** {@code MBEDTLS_MD_SHA1}. */ SHA1,
        /** {@code MBEDTLS_MD_SHA224}. */ SHA224,
        /** {@code MBEDTLS_MD_SHA256}. */ SHA256,
        /** {@code MBEDTLS_MD_SHA384}. */ SHA384,
        /** {@code MBEDTLS_MD_SHA512}. */ SHA512,
        /** {@code MBEDTLS_MD_SHA3_224} (Mbed TLS 3.5 and later). */ SHA3_224,
        /** {@code MBEDTLS_MD_SHA3_256} (Mbed TLS 3.5 and later). */ SHA3_256,
        /** {@code MBEDTLS_MD_SHA3_384} (Mbed TLS 3.5 and later). */ SHA3_384,
        /** {@code MBEDTLS_MD_SHA3_512} (Mbed TLS 3.5 and later). */ SHA3_512
    }

    /** Public-key types, {@code mbedtls_pk_type_t}. */
    public enum PkType {
        /** {@code MBEDTLS_PK_RSA}. */ RSA,
        /** {@code MBEDTLS_PK_ECKEY}. */ ECKEY,
        /** {@code MBEDTLS_PK_ECKEY_DH}. */ ECKEY_DH,
        /** {@code MBEDTLS_PK_ECDSA}. */ ECDSA,
        /** {@code MBEDTLS_PK_RSASSA_PSS}. */ RSASSA_PSS
    }

    /** Elliptic curves, {@code mbedtls_ecp_group_id} ({@code MBEDTLS_ECP_DP_*}). */
    public enum Curve {
        /** {@code MBEDTLS_ECP_DP_SECP192R1}. */ SECP192R1,
        /** {@code MBEDTLS_ECP_DP_SECP224R1}. */ SECP224R1,
        /** {@code MBEDTLS_ECP_DP_SECP256R1} (P-256). */ SECP256R1,
        /** {@code MBEDTLS_ECP_DP_SECP384R1} (P-384). */ SECP384R1,
        /** {@code MBEDTLS_ECP_DP_SECP521R1} (P-521). */ SECP521R1,
        /** {@code MBEDTLS_ECP_DP_BP256R1}. */ BP256R1,
        /** {@code MBEDTLS_ECP_DP_BP384R1}. */ BP384R1,
        /** {@code MBEDTLS_ECP_DP_BP512R1}. */ BP512R1,
        /** {@code MBEDTLS_ECP_DP_CURVE25519}. */ CURVE25519,
        /** {@code MBEDTLS_ECP_DP_SECP192K1}. */ SECP192K1,
        /** {@code MBEDTLS_ECP_DP_SECP224K1}. */ SECP224K1,
        /** {@code MBEDTLS_ECP_DP_SECP256K1}. */ SECP256K1,
        /** {@code MBEDTLS_ECP_DP_CURVE448}. */ CURVE448
    }

    // Kinds, as the native side reads them.
    static final int KIND_DEFAULT = 0;
    static final int KIND_NEXT = 1;
    static final int KIND_SUITE_B = 2;
    static final int KIND_CUSTOM = 3;

    /**
     * {@code mbedtls_x509_crt_profile_default}. In Mbed TLS 3.6: SHA-256 and stronger (SHA-2,
     * SHA-3), any public-key type, curves of 256 bits and more except secp256k1, RSA from 2048 bits.
     */
    public static final VerifyProfile DEFAULT = new VerifyProfile(KIND_DEFAULT, "default", null, null, null, 0);
    /** {@code mbedtls_x509_crt_profile_next}. In Mbed TLS 3.6: like {@link #DEFAULT} but SHA-2 only, and secp256k1 allowed. */
    public static final VerifyProfile NEXT = new VerifyProfile(KIND_NEXT, "next", null, null, null, 0);
    /** {@code mbedtls_x509_crt_profile_suiteb}: SHA-256/384, ECDSA keys on P-256/P-384 only. */
    public static final VerifyProfile SUITE_B = new VerifyProfile(KIND_SUITE_B, "suiteb", null, null, null, 0);

    private final int kind;
    private final String name;
    private final Set<Hash> hashes;
    private final Set<PkType> pkTypes;
    private final Set<Curve> curves;
    private final int minRsaBits;

    private VerifyProfile(int kind, String name, Set<Hash> hashes, Set<PkType> pkTypes, Set<Curve> curves,
            int minRsaBits) {
        this.kind = kind;
        this.name = name;
        this.hashes = hashes;
        this.pkTypes = pkTypes;
        this.curves = curves;
        this.minRsaBits = minRsaBits;
    }

    /** A builder for a custom profile that allows nothing until told. */
    public static Builder custom() {
        return new Builder();
    }

    /** {@code default}, {@code next}, {@code suiteb} or {@code custom}. */
    public String name() {
        return name;
    }

    /** True for a profile built with {@link #custom()}. */
    public boolean isCustom() {
        return kind == KIND_CUSTOM;
    }

    /** A custom profile's allowed hashes (empty for Mbed TLS's own profiles, which Mbed TLS defines). */
    public Set<Hash> allowedHashes() {
        return hashes == null ? Set.of() : hashes;
    }

    /** A custom profile's allowed public-key types (empty for Mbed TLS's own profiles). */
    public Set<PkType> allowedPkTypes() {
        return pkTypes == null ? Set.of() : pkTypes;
    }

    /** A custom profile's allowed curves (empty for Mbed TLS's own profiles). */
    public Set<Curve> allowedCurves() {
        return curves == null ? Set.of() : curves;
    }

    /** A custom profile's minimum RSA modulus size in bits (0 for Mbed TLS's own profiles). */
    public int minRsaBits() {
        return minRsaBits;
    }

    int kind() {
        return kind;
    }

    /** Bit {@code ordinal} set for each allowed value: what the native side maps to Mbed TLS ids. */
    static int mask(Set<? extends Enum<?>> values) {
        int mask = 0;
        for (Enum<?> v : values) {
            mask |= 1 << v.ordinal();
        }
        return mask;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof VerifyProfile)) {
            return false;
        }
        VerifyProfile p = (VerifyProfile) o;
        return kind == p.kind && minRsaBits == p.minRsaBits && allowedHashes().equals(p.allowedHashes())
                && allowedPkTypes().equals(p.allowedPkTypes()) && allowedCurves().equals(p.allowedCurves());
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, allowedHashes(), allowedPkTypes(), allowedCurves(), minRsaBits);
    }

    @Override
    public String toString() {
        return isCustom() ? "VerifyProfile[custom hashes=" + hashes + " pk=" + pkTypes + " curves=" + curves
                + " minRsaBits=" + minRsaBits + "]" : "VerifyProfile[" + name + "]";
    }

    /** Builds a custom {@link VerifyProfile}; every {@code allow*} call adds to what is allowed. */
    public static final class Builder {
        private final EnumSet<Hash> hashes = EnumSet.noneOf(Hash.class);
        private final EnumSet<PkType> pkTypes = EnumSet.noneOf(PkType.class);
        private final EnumSet<Curve> curves = EnumSet.noneOf(Curve.class);
        private int minRsaBits;

        private Builder() {}

        /** Allows signatures with these hashes ({@code allowed_mds}). */
        public Builder allowHashes(Hash... values) {
            Collections.addAll(hashes, values);
            return this;
        }

        /** Allows keys and signatures of these types ({@code allowed_pks}). */
        public Builder allowPkTypes(PkType... values) {
            Collections.addAll(pkTypes, values);
            return this;
        }

        /** Allows EC keys on these curves ({@code allowed_curves}). */
        public Builder allowCurves(Curve... values) {
            Collections.addAll(curves, values);
            return this;
        }

        /** The smallest RSA modulus accepted, in bits ({@code rsa_min_bitlen}). */
        public Builder minRsaBits(int bits) {
            if (bits < 0) {
                throw new IllegalArgumentException("minRsaBits must not be negative: " + bits);
            }
            minRsaBits = bits;
            return this;
        }

        /** The profile. */
        public VerifyProfile build() {
            return new VerifyProfile(KIND_CUSTOM, "custom", Collections.unmodifiableSet(EnumSet.copyOf(hashes)),
                    Collections.unmodifiableSet(EnumSet.copyOf(pkTypes)),
                    Collections.unmodifiableSet(EnumSet.copyOf(curves)), minRsaBits);
        }
    }
}
