/* VerifyProfile -> mbedtls_x509_crt_profile; see verify_profile.h. */
#include "verify_profile.h"

#include "jni_util.h"

#define MJ_COUNT(a) ((int) (sizeof(a) / sizeof((a)[0])))
#define MJ_UNAVAILABLE (-1) /* a value this Mbed TLS does not define */
#define MJ_ID(name, id) (id),

static const int hashes_by_ordinal[] = { MJ_PROFILE_HASHES(MJ_ID) };
static const int pk_types_by_ordinal[] = { MJ_PROFILE_PK_TYPES(MJ_ID) };
static const int curves_by_ordinal[] = { MJ_PROFILE_CURVES(MJ_ID) };

int mj_profile_hash_id(jint ordinal)
{
    return ordinal >= 0 && ordinal < MJ_COUNT(hashes_by_ordinal) ? hashes_by_ordinal[ordinal] : MJ_UNAVAILABLE;
}

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
        case MJ_PROFILE_DEFAULT:
            *out = mbedtls_x509_crt_profile_default;
            return 0;
        case MJ_PROFILE_NEXT:
            *out = mbedtls_x509_crt_profile_next;
            return 0;
        case MJ_PROFILE_SUITE_B:
            *out = mbedtls_x509_crt_profile_suiteb;
            return 0;
        case MJ_PROFILE_CUSTOM:
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
