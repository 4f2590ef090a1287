#define _GNU_SOURCE /* memmem */
#include "jni_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/error.h"

const char *const mj_kind_names[MJ_KIND_COUNT] = {
    "mbedtls_net_context",
    "mbedtls_entropy_context",
    "mbedtls_ctr_drbg_context",
    "mbedtls_x509_crt",
    "mbedtls_x509_crl",
    "mbedtls_ssl_config",
    "mbedtls_ssl_context",
    "mbedtls_pk_context",
    "mbedtls_ssl_session",
};

/* The only mutable globals of the library: lock-free counters. */
static atomic_long live[MJ_KIND_COUNT];

void *mj_alloc(JNIEnv *env, enum mj_kind kind, size_t size)
{
    void *p = calloc(1, size);
    if (p == NULL) {
        mj_throw_oom(env, mj_kind_names[kind]);
        return NULL;
    }
    atomic_fetch_add(&live[kind], 1);
    return p;
}

void mj_release(enum mj_kind kind, void *p)
{
    if (p != NULL) {
        free(p);
        atomic_fetch_sub(&live[kind], 1);
    }
}

long mj_live_count(enum mj_kind kind)
{
    return atomic_load(&live[kind]);
}

/* --- Exceptions ------------------------------------------------------------------------------ */

static void throw_plain(JNIEnv *env, const char *class_name, const char *message)
{
    jclass cls = (*env)->FindClass(env, class_name);
    if (cls != NULL) {
        (*env)->ThrowNew(env, cls, message);
        (*env)->DeleteLocalRef(env, cls);
    }
}

void mj_throw_state(JNIEnv *env, const char *message)
{
    throw_plain(env, "java/lang/IllegalStateException", message);
}

void mj_throw_argument(JNIEnv *env, const char *message)
{
    throw_plain(env, "java/lang/IllegalArgumentException", message);
}

void mj_throw_oom(JNIEnv *env, const char *what)
{
    char message[128];
    snprintf(message, sizeof message, "native memory for %s", what);
    throw_plain(env, "java/lang/OutOfMemoryError", message);
}

/* Throws class_name(code, function, mbedtls_strerror(code), detail): MbedTlsException or a subclass. */
static void throw_mbedtls_as(JNIEnv *env, const char *class_name, int code, const char *function, const char *detail)
{
    char text[256];
    jclass cls;
    jmethodID ctor;
    jstring jfunction, jtext, jdetail = NULL;
    jobject ex;

    mbedtls_strerror(code, text, sizeof text);
    cls = (*env)->FindClass(env, class_name);
    if (cls == NULL) {
        return;
    }
    ctor = (*env)->GetMethodID(env, cls, "<init>", "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)V");
    if (ctor == NULL) {
        return;
    }
    jfunction = mj_string(env, function);
    jtext = jfunction != NULL ? mj_string(env, text) : NULL;
    if (jtext == NULL) {
        return;
    }
    if (detail != NULL && (jdetail = mj_string(env, detail)) == NULL) {
        return;
    }
    ex = (*env)->NewObject(env, cls, ctor, (jint) code, jfunction, jtext, jdetail);
    if (ex != NULL) {
        (*env)->Throw(env, (jthrowable) ex);
    }
}

void mj_throw_mbedtls(JNIEnv *env, int code, const char *function, const char *detail)
{
    throw_mbedtls_as(env, "io/github/mbedtlsjni/MbedTlsException", code, function, detail);
}

void mj_throw_parse(JNIEnv *env, int code, const char *function, const char *detail)
{
    throw_mbedtls_as(env, "io/github/mbedtlsjni/X509ParseException", code, function, detail);
}

void mj_throw_verify(JNIEnv *env, int code, const char *function, uint32_t flags)
{
    char text[256];
    jclass cls;
    jmethodID ctor;
    jstring jfunction, jtext, jinfo;
    jobject ex;

    mbedtls_strerror(code, text, sizeof text);
    cls = (*env)->FindClass(env, "io/github/mbedtlsjni/CertificateVerificationException");
    if (cls == NULL) {
        return;
    }
    ctor = (*env)->GetMethodID(env, cls, "<init>",
                               "(ILjava/lang/String;Ljava/lang/String;ILjava/lang/String;)V");
    if (ctor == NULL) {
        return;
    }
    jfunction = mj_string(env, function);
    jtext = jfunction != NULL ? mj_string(env, text) : NULL;
    jinfo = jtext != NULL ? mj_verify_info(env, flags) : NULL;
    if (jinfo == NULL) {
        return;
    }
    ex = (*env)->NewObject(env, cls, ctor, (jint) code, jfunction, jtext, (jint) flags, jinfo);
    if (ex != NULL) {
        (*env)->Throw(env, (jthrowable) ex);
    }
}

/* --- Input ---------------------------------------------------------------------------------- */

unsigned char *mj_copy_for_parse(JNIEnv *env, jbyteArray data, size_t *len_out)
{
    jsize len = (*env)->GetArrayLength(env, data);
    unsigned char *buf = malloc((size_t) len + 1);
    if (buf == NULL) {
        mj_throw_oom(env, "a copy of the input");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, data, 0, len, (jbyte *) buf);
    buf[len] = '\0';
    *len_out = (size_t) len;
    if (len > 0 && buf[len - 1] != '\0' && memmem(buf, (size_t) len, "-----BEGIN", 10) != NULL) {
        *len_out = (size_t) len + 1;
    }
    return buf;
}

/* --- Strings --------------------------------------------------------------------------------- */

jstring mj_string(JNIEnv *env, const char *utf8)
{
    size_t len = strlen(utf8), n = 0, i = 0;
    jchar small[512] = { 0 };
    jchar *out = len <= sizeof small / sizeof small[0] ? small : malloc(len * sizeof(jchar));
    jstring s;

    if (out == NULL) {
        mj_throw_oom(env, "a string");
        return NULL;
    }
    /* Decode UTF-8 to UTF-16; malformed input becomes U+FFFD. Never longer than len units. */
    while (i < len) {
        unsigned char c = (unsigned char) utf8[i];
        uint32_t cp;
        size_t extra;
        if (c < 0x80) {
            out[n++] = c;
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            extra = 1;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            extra = 2;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            extra = 3;
        } else {
            out[n++] = 0xFFFD;
            i++;
            continue;
        }
        if (i + extra >= len) { /* truncated sequence */
            out[n++] = 0xFFFD;
            i++;
            continue;
        }
        {
            size_t k;
            int ok = 1;
            for (k = 1; k <= extra; k++) {
                unsigned char cc = (unsigned char) utf8[i + k];
                if ((cc & 0xC0) != 0x80) {
                    ok = 0;
                    break;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (!ok || (extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
                (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
                out[n++] = 0xFFFD;
                i++;
                continue;
            }
        }
        i += extra + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[n++] = (jchar) (0xD800 + (cp >> 10));
            out[n++] = (jchar) (0xDC00 + (cp & 0x3FF));
        } else {
            out[n++] = (jchar) cp;
        }
    }
    s = (*env)->NewString(env, out, (jsize) n);
    if (out != small) {
        free(out);
    }
    return s;
}

char *mj_utf8(JNIEnv *env, jstring s)
{
    jsize len = (*env)->GetStringLength(env, s);
    const jchar *chars;
    char *out;
    size_t n = 0;
    jsize i;

    out = malloc((size_t) len * 3 + 1);
    if (out == NULL) {
        mj_throw_oom(env, "a string");
        return NULL;
    }
    chars = (*env)->GetStringChars(env, s, NULL);
    if (chars == NULL) {
        free(out);
        return NULL;
    }
    for (i = 0; i < len; i++) {
        uint32_t cp = chars[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len && chars[i + 1] >= 0xDC00 && chars[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (chars[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (cp < 0x80) {
            out[n++] = (char) cp;
        } else if (cp < 0x800) {
            out[n++] = (char) (0xC0 | (cp >> 6));
            out[n++] = (char) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[n++] = (char) (0xE0 | (cp >> 12));
            out[n++] = (char) (0x80 | ((cp >> 6) & 0x3F));
            out[n++] = (char) (0x80 | (cp & 0x3F));
        } else {
            out[n++] = (char) (0xF0 | (cp >> 18));
            out[n++] = (char) (0x80 | ((cp >> 12) & 0x3F));
            out[n++] = (char) (0x80 | ((cp >> 6) & 0x3F));
            out[n++] = (char) (0x80 | (cp & 0x3F));
        }
    }
    out[n] = '\0';
    (*env)->ReleaseStringChars(env, s, chars);
    return out;
}

jstring mj_verify_info(JNIEnv *env, uint32_t flags)
{
    char info[4096] = ""; /* flags 0: Mbed TLS writes nothing */
    int ret = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (ret < 0) {
        info[0] = '\0';
    }
    return mj_string(env, info);
}

/* --- Library lifetime ------------------------------------------------------------------------ */

JavaVM *mj_vm;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void) reserved;
    mj_vm = vm;
    if (mj_crypto_init() != 0) {
        return JNI_ERR;
    }
    return JNI_VERSION_1_8;
}
