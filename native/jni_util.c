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
    "mbedtls_ssl_cookie_ctx",
    "mbedtls_ssl_cache_context",
    "mbedtls_ssl_ticket_context",
    "mbedtls_x509_csr",
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

void mj_throw_state(JNIEnv *env, const char *message)
{
    (*env)->ThrowNew(env, mj_jni.illegal_state, message);
}

void mj_throw_argument(JNIEnv *env, const char *message)
{
    (*env)->ThrowNew(env, mj_jni.illegal_argument, message);
}

void mj_throw_unsupported(JNIEnv *env, const char *message)
{
    (*env)->ThrowNew(env, mj_jni.unsupported, message);
}

void mj_throw_oom(JNIEnv *env, const char *what)
{
    char message[128];
    snprintf(message, sizeof message, "native memory for %s", what);
    (*env)->ThrowNew(env, mj_jni.out_of_memory, message);
}

void mj_throw_socket_timeout(JNIEnv *env, const char *message)
{
    (*env)->ThrowNew(env, mj_jni.socket_timeout, message);
}

/* Throws cls(code, function, mbedtls_strerror(code), detail): MbedTlsException or a subclass. */
static void throw_mbedtls_as(JNIEnv *env, jclass cls, jmethodID ctor, int code, const char *function,
                             const char *detail)
{
    char text[256];
    jstring jfunction, jtext, jdetail = NULL;
    jobject ex;

    mbedtls_strerror(code, text, sizeof text);
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
    throw_mbedtls_as(env, mj_jni.mbedtls_exception, mj_jni.mbedtls_exception_init, code, function, detail);
}

void mj_throw_parse(JNIEnv *env, int code, const char *function, const char *detail)
{
    throw_mbedtls_as(env, mj_jni.parse_exception, mj_jni.parse_exception_init, code, function, detail);
}

void mj_throw_verify(JNIEnv *env, int code, const char *function, uint32_t flags, jobjectArray chain)
{
    char text[256];
    jstring jfunction, jtext, jinfo;
    jobject ex;

    mbedtls_strerror(code, text, sizeof text);
    jfunction = mj_string(env, function);
    jtext = jfunction != NULL ? mj_string(env, text) : NULL;
    jinfo = jtext != NULL ? mj_verify_info(env, flags) : NULL;
    if (jinfo == NULL) {
        return;
    }
    ex = (*env)->NewObject(env, mj_jni.verify_exception, mj_jni.verify_exception_init, (jint) code, jfunction,
                           jtext, (jint) flags, jinfo, chain);
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

jstring mj_verify_info_prefixed(JNIEnv *env, uint32_t flags, const char *prefix)
{
    /* One line per flag, each the prefix, at most ~70 characters of text and a newline: room
     * for all 32 bits, so Mbed TLS never runs out of buffer. */
    size_t size = 32 * (strlen(prefix) + 128);
    char *info = calloc(1, size); /* flags 0: Mbed TLS writes nothing */
    int ret;
    jstring s;
    if (info == NULL) {
        mj_throw_oom(env, "mbedtls_x509_crt_verify_info");
        return NULL;
    }
    ret = mbedtls_x509_crt_verify_info(info, size, prefix, flags);
    if (ret < 0) {
        free(info);
        mj_throw_mbedtls(env, ret, "mbedtls_x509_crt_verify_info", NULL);
        return NULL;
    }
    s = mj_string(env, info);
    free(info);
    return s;
}

/* --- Library lifetime ------------------------------------------------------------------------ */

JavaVM *mj_vm;
struct mj_jni mj_jni;

/* A global reference to class `name`, or NULL with an exception pending. */
static jclass global_class(JNIEnv *env, const char *name)
{
    jclass local = (*env)->FindClass(env, name);
    jclass global;
    if (local == NULL) {
        return NULL;
    }
    global = (*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    return global;
}

static int lookup_ids(JNIEnv *env)
{
    jclass debug_callback;
    const char *exception_init = "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)V";

    if ((mj_jni.string = global_class(env, "java/lang/String")) == NULL ||
        (mj_jni.byte_array = global_class(env, "[B")) == NULL ||
        (mj_jni.illegal_state = global_class(env, "java/lang/IllegalStateException")) == NULL ||
        (mj_jni.illegal_argument = global_class(env, "java/lang/IllegalArgumentException")) == NULL ||
        (mj_jni.unsupported = global_class(env, "java/lang/UnsupportedOperationException")) == NULL ||
        (mj_jni.out_of_memory = global_class(env, "java/lang/OutOfMemoryError")) == NULL ||
        (mj_jni.socket_timeout = global_class(env, "java/net/SocketTimeoutException")) == NULL ||
        (mj_jni.mbedtls_exception = global_class(env, "io/github/mbedtlsjni/mbedtls/MbedTlsException")) == NULL ||
        (mj_jni.parse_exception = global_class(env, "io/github/mbedtlsjni/mbedtls/X509ParseException")) == NULL ||
        (mj_jni.verify_exception =
             global_class(env, "io/github/mbedtlsjni/mbedtls/CertificateVerificationException")) == NULL ||
        (mj_jni.index_out_of_bounds = global_class(env, "java/lang/IndexOutOfBoundsException")) == NULL ||
        (mj_jni.read_only_buffer = global_class(env, "java/nio/ReadOnlyBufferException")) == NULL) {
        return -1;
    }
    {
        jclass buffer = (*env)->FindClass(env, "java/nio/Buffer");
        if (buffer == NULL) {
            return -1;
        }
        mj_jni.buffer_is_read_only = (*env)->GetMethodID(env, buffer, "isReadOnly", "()Z");
        (*env)->DeleteLocalRef(env, buffer);
        if (mj_jni.buffer_is_read_only == NULL) {
            return -1;
        }
    }
    mj_jni.mbedtls_exception_init = (*env)->GetMethodID(env, mj_jni.mbedtls_exception, "<init>", exception_init);
    mj_jni.parse_exception_init = (*env)->GetMethodID(env, mj_jni.parse_exception, "<init>", exception_init);
    mj_jni.verify_exception_init = (*env)->GetMethodID(env, mj_jni.verify_exception, "<init>",
                                                       "(ILjava/lang/String;Ljava/lang/String;ILjava/lang/String;[[B)V");
    if (mj_jni.mbedtls_exception_init == NULL || mj_jni.parse_exception_init == NULL ||
        mj_jni.verify_exception_init == NULL) {
        return -1;
    }
    {
        jclass verify_callback = (*env)->FindClass(env, "io/github/mbedtlsjni/internal/VerifyCallback");
        if (verify_callback == NULL) {
            return -1;
        }
        mj_jni.verify_callback = (*env)->GetMethodID(env, verify_callback, "verify", "([[BI)I");
        (*env)->DeleteLocalRef(env, verify_callback);
        if (mj_jni.verify_callback == NULL || (mj_jni.byte_array_array = global_class(env, "[[B")) == NULL) {
            return -1;
        }
    }
    {
        jclass x509_callback = (*env)->FindClass(env, "io/github/mbedtlsjni/mbedtls/X509VerifyCallback");
        if (x509_callback == NULL) {
            return -1;
        }
        mj_jni.x509_verify_callback = (*env)->GetMethodID(env, x509_callback, "verify", "([BII)I");
        (*env)->DeleteLocalRef(env, x509_callback);
        if (mj_jni.x509_verify_callback == NULL) {
            return -1;
        }
    }
    {
        jclass extension_call = (*env)->FindClass(env, "io/github/mbedtlsjni/mbedtls/ExtensionCall");
        if (extension_call == NULL) {
            return -1;
        }
        mj_jni.x509_extension_call =
            (*env)->GetMethodID(env, extension_call, "call", "(Ljava/lang/String;[BZ[B)I");
        (*env)->DeleteLocalRef(env, extension_call);
        if (mj_jni.x509_extension_call == NULL) {
            return -1;
        }
    }
    debug_callback = (*env)->FindClass(env, "io/github/mbedtlsjni/mbedtls/DebugCallback");
    if (debug_callback == NULL) {
        return -1;
    }
    mj_jni.debug_message =
        (*env)->GetMethodID(env, debug_callback, "message", "(ILjava/lang/String;ILjava/lang/String;)V");
    (*env)->DeleteLocalRef(env, debug_callback);
    return mj_jni.debug_message != NULL ? 0 : -1;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    JNIEnv *env;
    (void) reserved;
    if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK || lookup_ids(env) != 0) {
        return JNI_ERR;
    }
    mj_vm = vm;
    if (mj_crypto_init() != 0) {
        return JNI_ERR;
    }
    return JNI_VERSION_1_8;
}

/* The library is unloaded with its class loader: drop the references JNI_OnLoad took. */
JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved)
{
    JNIEnv *env;
    jclass *classes[] = { &mj_jni.string, &mj_jni.byte_array, &mj_jni.illegal_state, &mj_jni.illegal_argument,
                          &mj_jni.unsupported, &mj_jni.out_of_memory, &mj_jni.socket_timeout, &mj_jni.mbedtls_exception,
                          &mj_jni.parse_exception, &mj_jni.verify_exception, &mj_jni.byte_array_array,
                          &mj_jni.index_out_of_bounds, &mj_jni.read_only_buffer };
    size_t i;
    (void) reserved;
    if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
        return;
    }
    for (i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        if (*classes[i] != NULL) {
            (*env)->DeleteGlobalRef(env, *classes[i]);
            *classes[i] = NULL;
        }
    }
}
