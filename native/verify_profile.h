/* io.github.mbedtlsjni.VerifyProfile -> mbedtls_x509_crt_profile, for X509Crt.verify and SslConfig. */
#ifndef MJ_VERIFY_PROFILE_H
#define MJ_VERIFY_PROFILE_H

#include <jni.h>

#include "mbedtls/x509_crt.h"

/*
 * Fills *out from a VerifyProfile: kind 0..2 copies mbedtls_x509_crt_profile_default, _next or
 * _suiteb; kind 3 builds a custom one from the masks (bit i = ordinal i of VerifyProfile.Hash,
 * PkType, Curve). Returns 0, or -1 with IllegalArgumentException pending.
 */
int mj_profile_fill(JNIEnv *env, jint kind, jint hashes, jint pk_types, jint curves, jint min_rsa_bits,
                    mbedtls_x509_crt_profile *out);

#endif /* MJ_VERIFY_PROFILE_H */
