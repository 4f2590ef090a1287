/* Names, times and info texts of certificates and CRLs (x509_util.h). */
#include "x509_util.h"

#include <stdlib.h>

jstring mj_x509_name(JNIEnv *env, const mbedtls_x509_name *name)
{
    /* mbedtls_x509_dn_gets writes nothing at all for an empty name (no attribute), not even the
     * terminating NUL: start from an empty string. */
    char text[2048] = "";
    int ret = mbedtls_x509_dn_gets(text, sizeof text, name);
    if (ret < 0) {
        mj_throw_mbedtls(env, ret, "mbedtls_x509_dn_gets", NULL);
        return NULL;
    }
    return mj_string(env, text);
}

void mj_x509_time_fields(const mbedtls_x509_time *t, jint out[6])
{
    out[0] = t->year;
    out[1] = t->mon;
    out[2] = t->day;
    out[3] = t->hour;
    out[4] = t->min;
    out[5] = t->sec;
}

jintArray mj_x509_time(JNIEnv *env, const mbedtls_x509_time *t)
{
    jint fields[6];
    jintArray result = (*env)->NewIntArray(env, 6);
    if (result != NULL) {
        mj_x509_time_fields(t, fields);
        (*env)->SetIntArrayRegion(env, result, 0, 6, fields);
    }
    return result;
}

/* Past this, a text is not worth building: Mbed TLS's own parsers bound what they keep far lower. */
#define MJ_INFO_MAX (64u * 1024u * 1024u)

jstring mj_x509_info(JNIEnv *env, mj_x509_info_fn info, const void *object, const char *function)
{
    size_t size = 16384;
    for (;;) {
        char *buf = malloc(size);
        int ret;
        jstring s;
        if (buf == NULL) {
            mj_throw_oom(env, function);
            return NULL;
        }
        ret = info(buf, size, "", object);
        if (ret == MBEDTLS_ERR_X509_BUFFER_TOO_SMALL && size < MJ_INFO_MAX) {
            free(buf);
            size *= 4;
            continue;
        }
        if (ret < 0) {
            free(buf);
            mj_throw_mbedtls(env, ret, function, NULL);
            return NULL;
        }
        s = mj_string(env, buf);
        free(buf);
        return s;
    }
}
