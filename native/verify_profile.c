/* VerifyProfile -> mbedtls_x509_crt_profile; see verify_profile.h. */
#include "verify_profile.h"

#include "jni_util.h"
#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/version.h"

#define MJ_COUNT(a) ((int) (sizeof(a) / sizeof((a)[0])))
#define MJ_UNAVAILABLE (-1) /* a value this Mbed TLS does not define */

/* In the order of VerifyProfile.Hash. */
static const int hashes_by_ordinal[] = {
    MBEDTLS_MD_MD5, MBEDTLS_MD_RIPEMD160, MBEDTLS_MD_SHA1, MBEDTLS_MD_SHA224, MBEDTLS_MD_SHA256,
    MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512,
    MJ_MD_SHA3_224, MJ_MD_SHA3_256, MJ_MD_SHA3_384, MJ_MD_SHA3_512, /* -1 before 3.5 (compat.h) */
};

/* In the order of VerifyProfile.PkType. */
static const int pk_types_by_ordinal[] = {
    MBEDTLS_PK_RSA, MBEDTLS_PK_ECKEY, MBEDTLS_PK_ECKEY_DH, MBEDTLS_PK_ECDSA, MBEDTLS_PK_RSASSA_PSS,
};

/* In the order of VerifyProfile.Curve. */
static const int curves_by_ordinal[] = {
    MBEDTLS_ECP_DP_SECP192R1, MBEDTLS_ECP_DP_SECP224R1, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_SECP521R1, MBEDTLS_ECP_DP_BP256R1, MBEDTLS_ECP_DP_BP384R1, MBEDTLS_ECP_DP_BP512R1,
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP192K1, MBEDTLS_ECP_DP_SECP224K1, MBEDTLS_ECP_DP_SECP256K1,
    MBEDTLS_ECP_DP_CURVE448,
};

/* The MBEDTLS_X509_ID_FLAG bits of the values whose ordinals are set in mask; -1 if one is unknown. */
static int id_flags(JNIEnv *env, jint mask, const int *ids, int count, const char *what, uint32_t *out)
{
    int i;
    *out = 0;
    for (i = 0; i < 32; i++) {
        if (((uint32_t) mask & (1u << i)) == 0) {
            continue;
        }
        if (i >= count || ids[i] == MJ_UNAVAILABLE) {
            mj_throw_argument(env, what);
            return -1;
        }
        *out |= MBEDTLS_X509_ID_FLAG(ids[i]);
    }
    return 0;
}

int mj_profile_fill(JNIEnv *env, jint kind, jint hashes, jint pk_types, jint curves, jint min_rsa_bits,
                    mbedtls_x509_crt_profile *out)
{
    switch (kind) {
        case 0:
            *out = mbedtls_x509_crt_profile_default;
            return 0;
        case 1:
            *out = mbedtls_x509_crt_profile_next;
            return 0;
        case 2:
            *out = mbedtls_x509_crt_profile_suiteb;
            return 0;
        case 3:
            if (id_flags(env, hashes, hashes_by_ordinal, MJ_COUNT(hashes_by_ordinal),
                         "a hash of the profile is not defined by this Mbed TLS", &out->allowed_mds) != 0 ||
                id_flags(env, pk_types, pk_types_by_ordinal, MJ_COUNT(pk_types_by_ordinal),
                         "unknown public-key type in the profile", &out->allowed_pks) != 0 ||
                id_flags(env, curves, curves_by_ordinal, MJ_COUNT(curves_by_ordinal),
                         "unknown curve in the profile", &out->allowed_curves) != 0) {
                return -1;
            }
            if (min_rsa_bits < 0) {
                mj_throw_argument(env, "negative minimum RSA size");
                return -1;
            }
            out->rsa_min_bitlen = (uint32_t) min_rsa_bits;
            return 0;
        default:
            mj_throw_argument(env, "unknown verification profile");
            return -1;
    }
}
