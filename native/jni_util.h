/*
 * Shared helpers of the JNI glue: the wrapper structs behind each Java handle, handle
 * conversion, live-object counting and exceptions. One C file per Java class includes this.
 */
#ifndef MJ_JNI_UTIL_H
#define MJ_JNI_UTIL_H

#include <jni.h>
#include <pthread.h>
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

/*
 * NetContext. fd mirrors net.fd for shutdown() from another thread (set once connected). The
 * socket is used non-blocking (mj_net_send/mj_net_recv); mj_net_wait waits for it with poll().
 * Timeouts, set from Java at any time and read by the threads doing I/O: the longest wait for
 * data and for send buffer space in ms (0: forever), and an absolute deadline in ms of
 * CLOCK_MONOTONIC for every wait (0: none; the handshake timeout).
 */
typedef struct {
    mbedtls_net_context net;
    atomic_int fd;
    atomic_int recv_timeout_ms;
    atomic_int send_timeout_ms;
    atomic_llong deadline_ms;
} mj_net;

/*
 * SslConfig. authmode mirrors what was configured (the handshake's hostname rule needs it);
 * profile is the verification profile conf points at once set (it must live as long as conf).
 */
struct mj_sni_entry {
    char *name;
    mbedtls_x509_crt *chain;
    mbedtls_pk_context *key;
};

typedef struct {
    mbedtls_ssl_config conf;
    int authmode;
    /* Arrays Mbed TLS points at (conf_ciphersuites, conf_alpn_protocols): owned here, freed
     * after mbedtls_ssl_config_free. */
    int *ciphersuites;
    char **alpn;
    /* conf_dbg: the level this config logs up to (0: off) and the Java DebugCallback (a global ref). */
    int debug_level;
    jobject debug_callback;
    /* conf_sni: certificate/key pairs by server name (malloc'ed names; the certificates and keys
     * are the Java side's, kept allocated by the config), sni_count of them. */
    struct mj_sni_entry *sni;
    size_t sni_count;
    /* conf_psk_cb: the Java PskLookup (a global ref, or NULL) and its keyFor method. */
    jobject psk_lookup;
    jmethodID psk_key_for;
    mbedtls_x509_crt_profile profile;
    /* The application's per-certificate X509VerifyCallback (a global ref, or NULL), called by
     * every context's verify callback (mj_ssl_verify). Set only before the config is frozen by
     * the first mbedtls_ssl_setup, so handshakes read it without a lock. */
    jobject x509_verify_callback;
} mj_conf;

/* Java enums passed by ordinal, in their Java order (NativeConstantsTest checks them). */
enum mj_inbound { MJ_INBOUND_OPEN = 0, MJ_INBOUND_CLOSE_NOTIFY = 1, MJ_INBOUND_EOF = 2 }; /* SslContext.Inbound */
enum mj_authmode { MJ_AUTHMODE_NONE = 0, MJ_AUTHMODE_OPTIONAL = 1, MJ_AUTHMODE_REQUIRED = 2 }; /* AuthMode */

/*
 * SslContext. The Java side keeps conf and net allocated while this lives.
 *
 * lock: the context's one lock. Mbed TLS contexts are not thread-safe, so every Mbed TLS call on
 * ssl (and every read of the fields below that I/O changes) holds it; it is held only around
 * calls that do not block (the bio never waits), and released while a thread waits for the
 * socket, so one thread waiting to read never holds up another one writing. The I/O core
 * (ssl_io.h) makes every I/O call and owns the lock.
 */
typedef struct {
    mbedtls_ssl_context ssl;
    pthread_mutex_t lock;
    mj_conf *conf;
    mj_net *net;
    int inbound;
    /* The name the server certificate is checked against instead of the SNI (malloc'ed, or NULL:
     * Mbed TLS checks the hostname as usual); see mj_ssl_verify in ssl_context.c. */
    char *verify_name;
    int skip_name_check; /* verify the chain only: the name check's CN_MISMATCH bit is dropped */
    jobject verify_callback; /* a global ref to a Java VerifyCallback, or NULL */
    uint32_t chain_flags;    /* the flags of the chain's certificates above the leaf, so far */
    /* The chain of the last verification that flagged something, as the peer sent it (a global
     * ref to a byte[][], or NULL), for the exception a refused handshake throws: Mbed TLS does
     * not keep a chain it refused. Taken and released by mj_ssl_throw_handshake, else by nFree. */
    jobject refused_chain;
    /* What the config's X509VerifyCallback threw in the last handshake (a global ref, or NULL):
     * the cause of the exception mj_ssl_throw_handshake throws. Set under the context's lock. */
    jobject callback_error;
    /* The last I/O call was a write: the next read on a bio that waits waits for input before
     * asking Mbed TLS (see mj_io_read). A hint only, set and read under lock. */
    int wrote_last;
    int session_offered; /* mbedtls_ssl_set_session succeeded */
    int leaf_verified;   /* the verify callback saw the server's leaf: a full handshake */
    /* A server's view (mj_io_server_resumed): the handshake passed MBEDTLS_SSL_SERVER_CERTIFICATE
     * (a full one), and the PskLookup gave a key (an external PSK, not a ticket). Under lock. */
    int full_handshake;
    int external_psk;
    /* The state of the I/O call holding the lock (the buffers a memory bio's send and receive
     * functions use), set by the I/O core for the duration of each Mbed TLS call; else NULL. */
    void *call;
    int failure; /* the error of the last failed MemoryBio handshake call, thrown after its counts are in */
    /* A handshake, read or write failed with an error after which Mbed TLS's context must not be
     * written to (mj_io_close_notify then sends no close_notify). Under lock; reset with the session. */
    int failed;
    /* DTLS (datagram_bio.c): the retransmission timer (mbedtls_ssl_set_timer_cb), its
     * intermediate and final deadlines in ms of CLOCK_MONOTONIC, timer_fin_ms 0 when cancelled.
     * Under lock. */
    long long timer_int_ms;
    long long timer_fin_ms;
} mj_ssl;

/* Throws for a failed mbedtls_ssl_handshake: CertificateVerificationException when the chain was refused. */
void mj_ssl_throw_handshake(JNIEnv *env, mj_ssl *s, int ret);

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
    MJ_KIND_PK,
    MJ_KIND_SSL_SESSION,
    MJ_KIND_SSL_COOKIE,
    MJ_KIND_SSL_CACHE,
    MJ_KIND_SSL_TICKET,
    MJ_KIND_X509_CSR,
    MJ_KIND_COUNT
};
extern const char *const mj_kind_names[MJ_KIND_COUNT];

/* Zeroed memory for one structure, counted; on failure throws OutOfMemoryError, returns NULL. */
void *mj_alloc(JNIEnv *env, enum mj_kind kind, size_t size);
/* Frees memory from mj_alloc (after the Mbed TLS *_free call) and uncounts it. */
void mj_release(enum mj_kind kind, void *p);
long mj_live_count(enum mj_kind kind);

/* The JVM, saved by JNI_OnLoad (written once before any other call, then only read). */
extern JavaVM *mj_vm;

/*
 * The classes and methods the glue calls, looked up once by JNI_OnLoad (global references), so
 * that throwing or logging never searches for a class. Written before any other call, then only
 * read; a lookup that fails makes the library fail to load.
 */
struct mj_jni {
    jclass string;                 /* java.lang.String */
    jclass byte_array;             /* byte[] */
    jclass illegal_state;          /* java.lang.IllegalStateException */
    jclass illegal_argument;       /* java.lang.IllegalArgumentException */
    jclass unsupported;            /* java.lang.UnsupportedOperationException */
    jclass out_of_memory;          /* java.lang.OutOfMemoryError */
    jclass socket_timeout;         /* java.net.SocketTimeoutException */
    jclass mbedtls_exception;      /* MbedTlsException(int, String, String, String) */
    jmethodID mbedtls_exception_init;
    jclass parse_exception;        /* X509ParseException(int, String, String, String) */
    jmethodID parse_exception_init;
    jclass verify_exception;       /* CertificateVerificationException(int, String, String, int, String, byte[][]) */
    jmethodID verify_exception_init;
    jmethodID debug_message;       /* DebugCallback.message(int, String, int, String) */
    jmethodID verify_callback;     /* VerifyCallback.verify(byte[][], int) */
    jmethodID x509_verify_callback; /* X509VerifyCallback.verify(byte[], int, int) */
    jmethodID x509_extension_call;  /* ExtensionCall.call(String, byte[], boolean, byte[]) */
    jclass byte_array_array;       /* byte[][] */
    jclass index_out_of_bounds;    /* java.lang.IndexOutOfBoundsException (buffer_window.c) */
    jclass read_only_buffer;       /* java.nio.ReadOnlyBufferException (buffer_window.c) */
    jmethodID buffer_is_read_only; /* java.nio.Buffer.isReadOnly() (buffer_window.c) */
};
extern struct mj_jni mj_jni;

/*
 * The socket bio of every SslContext (net_context.c): mbedtls_net_send/_recv without ever
 * blocking (MSG_DONTWAIT), so the wait happens in mj_net_wait, outside the context's lock. Same
 * return codes as mbedtls_net_send/_recv (WANT_WRITE/WANT_READ when the socket is not ready).
 */
int mj_net_send(void *ctx, const unsigned char *buf, size_t len);
int mj_net_recv(void *ctx, unsigned char *buf, size_t len);

/* What an Mbed TLS call that returned WANT_READ or WANT_WRITE waits for. */
enum mj_wait { MJ_WAIT_RECV, MJ_WAIT_SEND };

/*
 * Waits with poll() (never select(), which fails for descriptors >= FD_SETSIZE) until the socket
 * can be read or written, within that direction's timeout and the deadline. 0 when ready (or shut
 * down, or in error: the next call finds out), MBEDTLS_ERR_SSL_TIMEOUT when a limit elapsed,
 * MBEDTLS_ERR_NET_POLL_FAILED if poll() failed.
 */
int mj_net_wait(mj_net *n, enum mj_wait what);

/* --- Exceptions (each returns nothing; the caller returns at once) ------------------------- */

/* MbedTlsException(code, function, mbedtls_strerror(code), detail). */
void mj_throw_mbedtls(JNIEnv *env, int code, const char *function, const char *detail);
/* X509ParseException (an MbedTlsException) for a failed certificate or CRL parse. */
void mj_throw_parse(JNIEnv *env, int code, const char *function, const char *detail);
/* CertificateVerificationException with the verify flags and their verify info. */
void mj_throw_verify(JNIEnv *env, int code, const char *function, uint32_t flags, jobjectArray chain);
void mj_throw_state(JNIEnv *env, const char *message);
void mj_throw_argument(JNIEnv *env, const char *message);
/* UnsupportedOperationException: what this build of Mbed TLS lacks (a *_UNAVAILABLE text of compat.h). */
void mj_throw_unsupported(JNIEnv *env, const char *message);
void mj_throw_oom(JNIEnv *env, const char *what);
void mj_throw_socket_timeout(JNIEnv *env, const char *message);

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
/* mbedtls_x509_crt_verify_info's text for flags, each line starting with prefix; NULL with an exception pending. */
jstring mj_verify_info_prefixed(JNIEnv *env, uint32_t flags, const char *prefix);
/* A NUL-terminated UTF-8 copy of a Java String (free with free()); NULL with an exception pending. */
char *mj_utf8(JNIEnv *env, jstring s);

#endif /* MJ_JNI_UTIL_H */
