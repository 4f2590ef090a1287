/*
 * JNI glue of io.github.mbedtlsjni.mbedtls.SslTicket: mbedtls_ssl_ticket_context, the keys a
 * server seals its session tickets with (RFC 5077 for TLS 1.2, NewSessionTicket in TLS 1.3), so
 * that it keeps no state per session.
 */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_SslTicket.h"

#if defined(MBEDTLS_SSL_TICKET_C) && defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_SRV_C)
#define MJ_HAS_TICKETS 1
#include "mbedtls/ssl_ticket.h"
#else
#define MJ_HAS_TICKETS 0
#endif

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_SslTicket_nInit(JNIEnv *env, jclass cls)
{
    (void) cls;
#if MJ_HAS_TICKETS
    {
        mbedtls_ssl_ticket_context *ctx = mj_alloc(env, MJ_KIND_SSL_TICKET, sizeof *ctx);
        if (ctx == NULL) {
            return 0;
        }
        mbedtls_ssl_ticket_init(ctx);
        return MJ_HANDLE(ctx);
    }
#else
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_TICKET_C or MBEDTLS_SSL_SESSION_TICKETS");
    return 0;
#endif
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslTicket_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    (void) env;
    (void) cls;
#if MJ_HAS_TICKETS
    mbedtls_ssl_ticket_free(MJ_PTR(mbedtls_ssl_ticket_context, handle)); /* wipes the keys */
    mj_release(MJ_KIND_SSL_TICKET, MJ_PTR(mbedtls_ssl_ticket_context, handle));
#else
    (void) handle;
#endif
}

/*
 * mbedtls_ssl_ticket_setup(&ticket, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_CIPHER_AES_256_GCM,
 * lifetime): the DRBG draws the first key now and each new one when the lifetime rotates it, so
 * the Java side keeps it allocated as long as the ticket context.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslTicket_nSetup(JNIEnv *env, jclass cls, jlong handle,
                                                                  jlong drbg_handle, jint lifetime)
{
    (void) cls;
#if MJ_HAS_TICKETS
    {
        int ret = mbedtls_ssl_ticket_setup(MJ_PTR(mbedtls_ssl_ticket_context, handle), mbedtls_ctr_drbg_random,
                                           MJ_PTR(mbedtls_ctr_drbg_context, drbg_handle), MBEDTLS_CIPHER_AES_256_GCM,
                                           (uint32_t) lifetime);
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_ssl_ticket_setup", NULL);
        }
    }
#else
    (void) env;
    (void) handle;
    (void) drbg_handle;
    (void) lifetime;
#endif
}

/* mbedtls_ssl_conf_session_tickets_cb with Mbed TLS's own write and parse over ticket. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetSessionTickets(JNIEnv *env, jclass cls,
                                                                              jlong handle, jlong ticket)
{
    (void) cls;
#if MJ_HAS_TICKETS
    (void) env;
    mbedtls_ssl_conf_session_tickets_cb(&MJ_PTR(mj_conf, handle)->conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, MJ_PTR(mbedtls_ssl_ticket_context, ticket));
#else
    (void) handle;
    (void) ticket;
    mj_throw_state(env, "this Mbed TLS is built without MBEDTLS_SSL_TICKET_C or MBEDTLS_SSL_SESSION_TICKETS");
#endif
}

/* mbedtls_ssl_conf_new_session_tickets (3.x, TLS 1.3): via compat.h, -1 where there is none. */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_SslConfig_nSetTls13TicketCount(JNIEnv *env, jclass cls,
                                                                                jlong handle, jint count)
{
    (void) cls;
    if (mj_conf_new_session_tickets(&MJ_PTR(mj_conf, handle)->conf, count) != 0) {
        mj_throw_state(env, "this Mbed TLS has no TLS 1.3 session tickets on the server (3.x with "
                            "MBEDTLS_SSL_PROTO_TLS1_3, MBEDTLS_SSL_SESSION_TICKETS and MBEDTLS_SSL_SRV_C)");
    }
}
