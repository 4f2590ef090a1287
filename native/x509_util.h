/*
 * What the certificate and CRL glue share: a name, a time and an info text handed to Java as
 * Mbed TLS writes them.
 */
#ifndef MJ_X509_UTIL_H
#define MJ_X509_UTIL_H

#include "jni_util.h"

/* mbedtls_x509_dn_gets of name as a Java String; NULL with an exception pending. */
jstring mj_x509_name(JNIEnv *env, const mbedtls_x509_name *name);

/* A time's fields in out: year, month, day, hour, minute, second. */
void mj_x509_time_fields(const mbedtls_x509_time *t, jint out[6]);

/* A time as int[] {year, month, day, hour, minute, second}; NULL with an exception pending. */
jintArray mj_x509_time(JNIEnv *env, const mbedtls_x509_time *t);

/* One of Mbed TLS's info printers: mbedtls_x509_crt_info or mbedtls_x509_crl_info. */
typedef int (*mj_x509_info_fn)(char *buf, size_t size, const char *prefix, const void *object);

/*
 * info(buf, size, "", object) as a Java String, with a buffer grown until the text fits (a CRL
 * lists every revoked certificate); NULL with an exception pending.
 */
jstring mj_x509_info(JNIEnv *env, mj_x509_info_fn info, const void *object, const char *function);

#endif /* MJ_X509_UTIL_H */
