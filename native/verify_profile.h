/* io.github.mbedtlsjni.mbedtls.VerifyProfile -> mbedtls_x509_crt_profile, for X509Crt.verify and SslConfig. */
#ifndef MJ_VERIFY_PROFILE_H
#define MJ_VERIFY_PROFILE_H

#include <jni.h>

#include "compat.h"
#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

/* VerifyProfile's kinds (its KIND_* constants). */
enum mj_profile_kind { MJ_PROFILE_DEFAULT = 0, MJ_PROFILE_NEXT = 1, MJ_PROFILE_SUITE_B = 2, MJ_PROFILE_CUSTOM = 3 };

/*
 * VerifyProfile.Hash, PkType and Curve, each in its Java order: X(java name, Mbed TLS id). Java
 * passes a set of them as a mask of ordinals; NativeConstantsTest checks the orders match.
 */
#define MJ_PROFILE_HASHES(X)                                                                             \
    X(MD5, MBEDTLS_MD_MD5) X(RIPEMD160, MBEDTLS_MD_RIPEMD160) X(SHA1, MBEDTLS_MD_SHA1)                   \
    X(SHA224, MBEDTLS_MD_SHA224) X(SHA256, MBEDTLS_MD_SHA256) X(SHA384, MBEDTLS_MD_SHA384)               \
    X(SHA512, MBEDTLS_MD_SHA512) X(SHA3_224, MJ_MD_SHA3_224) X(SHA3_256, MJ_MD_SHA3_256)                 \
    X(SHA3_384, MJ_MD_SHA3_384) X(SHA3_512, MJ_MD_SHA3_512) /* SHA-3: -1 before 3.5 (compat.h) */
#define MJ_PROFILE_PK_TYPES(X)                                                                           \
    X(RSA, MBEDTLS_PK_RSA) X(ECKEY, MBEDTLS_PK_ECKEY) X(ECKEY_DH, MBEDTLS_PK_ECKEY_DH)                   \
    X(ECDSA, MBEDTLS_PK_ECDSA) X(RSASSA_PSS, MBEDTLS_PK_RSASSA_PSS)
#define MJ_PROFILE_CURVES(X)                                                                             \
    X(SECP192R1, MBEDTLS_ECP_DP_SECP192R1) X(SECP224R1, MBEDTLS_ECP_DP_SECP224R1)                        \
    X(SECP256R1, MBEDTLS_ECP_DP_SECP256R1) X(SECP384R1, MBEDTLS_ECP_DP_SECP384R1)                        \
    X(SECP521R1, MBEDTLS_ECP_DP_SECP521R1) X(BP256R1, MBEDTLS_ECP_DP_BP256R1)                            \
    X(BP384R1, MBEDTLS_ECP_DP_BP384R1) X(BP512R1, MBEDTLS_ECP_DP_BP512R1)                                \
    X(CURVE25519, MBEDTLS_ECP_DP_CURVE25519) X(SECP192K1, MBEDTLS_ECP_DP_SECP192K1)                      \
    X(SECP224K1, MBEDTLS_ECP_DP_SECP224K1) X(SECP256K1, MBEDTLS_ECP_DP_SECP256K1)                        \
    X(CURVE448, MBEDTLS_ECP_DP_CURVE448)

/* Ordinals: MJ_HASH_SHA256 and so on. */
#define MJ_HASH_ORDINAL(name, id) MJ_HASH_##name,
#define MJ_PK_TYPE_ORDINAL(name, id) MJ_PK_TYPE_##name,
#define MJ_CURVE_ORDINAL(name, id) MJ_CURVE_##name,
enum { MJ_PROFILE_HASHES(MJ_HASH_ORDINAL) MJ_HASH_COUNT };
enum { MJ_PROFILE_PK_TYPES(MJ_PK_TYPE_ORDINAL) MJ_PK_TYPE_COUNT };
enum { MJ_PROFILE_CURVES(MJ_CURVE_ORDINAL) MJ_CURVE_COUNT };

/*
 * Fills *out from a VerifyProfile: MJ_PROFILE_DEFAULT, _NEXT or _SUITE_B copy
 * mbedtls_x509_crt_profile_default, _next or _suiteb; MJ_PROFILE_CUSTOM builds one from the masks
 * (bit i = ordinal i of VerifyProfile.Hash, PkType, Curve). Returns 0, or -1 with
 * IllegalArgumentException pending.
 */
int mj_profile_fill(JNIEnv *env, jint kind, jint hashes, jint pk_types, jint curves, jint min_rsa_bits,
                    mbedtls_x509_crt_profile *out);

/* The mbedtls_md_type_t of VerifyProfile.Hash's ordinal (the writers' digest); -1 if this Mbed TLS has none. */
int mj_profile_hash_id(jint ordinal);

#endif /* MJ_VERIFY_PROFILE_H */
