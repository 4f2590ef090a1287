/*
 * Shared helpers of the JNI glue: the wrapper structs behind each Java handle, handle
 * conversion, live-object counting and exceptions. One C file per Java class includes this.
 */
#ifndef MJ_JNI_UTIL_H
#define MJ_JNI_UTIL_H

#include <jni.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crl.h"
#include "mbedtls/x509_crt.h"

/* --- Native structures, one per Java class ------------------------------------------------ */

/* NetContext. fd mirrors net.fd for shutdown() from another thread (set once connected). */
typedef struct {
    mbedtls_net_context net;
    atomic_int fd;
} mj_net;

/* SslConfig. authmode mirrors what was configured (the handshake's hostname rule needs it). */
typedef struct {
    mbedtls_ssl_config conf;
    int authmode;
} mj_conf;

enum mj_hostname { MJ_HOSTNAME_UNSET = 0, MJ_HOSTNAME_SET = 1, MJ_HOSTNAME_SKIPPED = 2 };
enum mj_inbound { MJ_INBOUND_OPEN = 0, MJ_INBOUND_CLOSE_NOTIFY = 1, MJ_INBOUND_EOF = 2 };

/* SslContext. The Java side keeps conf and net allocated while this lives. */
typedef struct {
    mbedtls_ssl_context ssl;
    mj_conf *conf;
    mj_net *net;
    int hostname;
    int inbound;
} mj_ssl;

/* --- Handles ------------------------------------------------------------------------------- */

#define MJ_PTR(type, handle) ((type *) (intptr_t) (handle))
#define MJ_HANDLE(pointer) ((jlong) (intptr_t) (pointer))

/* Kinds of native structure, counted while allocated (MbedTls.liveNativeObjects()). */
enum mj_kind {
    MJ_KIND_NET,
    MJ_KIND_ENTROPY,
    MJ_KIND_CTR_DRBG,
    MJ_KIND_X509_CRT,
    MJ_KIND_X509_CRL,
    MJ_KIND_SSL_CONFIG,
    MJ_KIND_SSL_CONTEXT,
    MJ_KIND_COUNT
};
extern const char *const mj_kind_names[MJ_KIND_COUNT];

/* Zeroed memory for one structure, counted; on failure throws OutOfMemoryError, returns NULL. */
void *mj_alloc(JNIEnv *env, enum mj_kind kind, size_t size);
/* Frees memory from mj_alloc (after the Mbed TLS *_free call) and uncounts it. */
void mj_release(enum mj_kind kind, void *p);
long mj_live_count(enum mj_kind kind);

/* --- Exceptions (each returns nothing; the caller returns at once) ------------------------- */

/* MbedTlsException(code, function, mbedtls_strerror(code), detail). */
void mj_throw_mbedtls(JNIEnv *env, int code, const char *function, const char *detail);
/* CertificateVerificationException with the verify flags and their verify info. */
void mj_throw_verify(JNIEnv *env, int code, const char *function, uint32_t flags);
void mj_throw_state(JNIEnv *env, const char *message);
void mj_throw_argument(JNIEnv *env, const char *message);
void mj_throw_oom(JNIEnv *env, const char *what);

/* --- Input ---------------------------------------------------------------------------------- */

/*
 * A malloc'ed copy of a Java byte[] for Mbed TLS's parsers, which want PEM NUL-terminated with
 * the NUL counted in the length, and DER as is; *len_out is the length to pass. NULL with an
 * exception pending on failure.
 */
unsigned char *mj_copy_for_parse(JNIEnv *env, jbyteArray data, size_t *len_out);

/* --- Strings ------------------------------------------------------------------------------- */

/* A Java String from UTF-8 bytes (invalid sequences become U+FFFD); NULL with an exception pending on failure. */
jstring mj_string(JNIEnv *env, const char *utf8);
/* mbedtls_x509_crt_verify_info's text for flags. */
jstring mj_verify_info(JNIEnv *env, uint32_t flags);
/* A NUL-terminated UTF-8 copy of a Java String (free with free()); NULL with an exception pending. */
char *mj_utf8(JNIEnv *env, jstring s);

#endif /* MJ_JNI_UTIL_H */
