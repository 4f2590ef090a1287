/*
 * The I/O core under every bio of an SslContext (mj_ssl): the one place that calls
 * mbedtls_ssl_handshake, _read, _write and _close_notify for the binding, and the one place that
 * reads Mbed TLS's private fields. A bio (the socket of ssl_context.c, the caller's buffers of
 * memory_bio.c; a datagram socket with a timer would be a third) supplies only what differs
 * between them, in a struct mj_bio: how to wait when Mbed TLS cannot go on, and how much room
 * its output has. Everything else is the same for every bio and both roles (client and server):
 *
 *  - one lock around each Mbed TLS call, released while a bio waits, so one thread waiting to
 *    read never holds up another one writing;
 *  - Mbed TLS's output buffer holds at most one record the bio has not taken yet (out_left
 *    bytes), and whoever calls Mbed TLS next sends it on: a write that made that record is done
 *    once it has gone, whoever sent it, and must not be made again (mbedtls_ssl_write again with
 *    the same data); a fresh write or close_notify sends another call's pending record first;
 *  - WANT_READ does not always mean "no input": a TLS 1.3 NewSessionTicket is held back and
 *    processed by the next call (mbedtls_ssl_check_pending), so the core calls again at once
 *    instead of waiting, as it does for MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
 *  - how the peer ended the connection (close_notify or EOF) is recorded once, in s->inbound,
 *    and every later read reports the end without asking Mbed TLS.
 *
 * Free of JNI: a C program can drive it with a bio of its own (native/tools/io_core_check.c).
 */
#ifndef MJ_SSL_IO_H
#define MJ_SSL_IO_H

#include "jni_util.h"

/*
 * The core's own results, outside the range of Mbed TLS's error codes (-0x0001 .. -0x7FFF), so
 * that no code Mbed TLS returns can be taken for one of them.
 */
#define MJ_IO_END (-0x10001)            /* mj_io_read: the peer has ended the connection (s->inbound says how) */
#define MJ_IO_ALERT_NOT_MADE (-0x10002) /* mj_io_close_notify: the bio gave up before the alert was made */

/*
 * What a bio supplies. Every function gets the context and the call's own state (the buffers
 * of a memory bio's call, say), which the core also keeps in s->call while it holds the lock,
 * for the bio's send and receive functions.
 */
struct mj_bio {
    /*
     * Called without the lock after an Mbed TLS call returned want (MBEDTLS_ERR_SSL_WANT_READ or
     * _WANT_WRITE) with nothing held back: 0 to call Mbed TLS again, or the result to return,
     * which is want itself for a bio that does not wait (the caller comes back later), or an
     * error (a timeout, a failed poll).
     */
    int (*wait)(mj_ssl *s, void *call, int want);
    /* With the lock held: the room the bio's output has for the next record, in bytes; NULL: no limit. */
    size_t (*room)(mj_ssl *s, void *call);
    /* 1 if wait() really waits: a read right after a write then waits for input before asking Mbed TLS. */
    int waits;
};

/* mbedtls_ssl_init and the context's lock. 0, or -1 if the lock could not be made. */
int mj_io_init(mj_ssl *s);
/* mbedtls_ssl_free and the lock; no call may be in flight. */
void mj_io_free(mj_ssl *s);

/*
 * The context's lock: every Mbed TLS call on s->ssl, and every read of the fields I/O changes,
 * holds it. Recursive, so that code called back from inside an Mbed TLS call (a verify callback
 * in Java) may take it again through the same getters.
 */
void mj_ssl_lock(mj_ssl *s);
void mj_ssl_unlock(mj_ssl *s);

/* mbedtls_ssl_handshake until it is done, fails, or the bio stops (its result). 0 when done. */
int mj_io_handshake(mj_ssl *s, const struct mj_bio *bio, void *call);

/*
 * mbedtls_ssl_read into buf[0 .. len) until there is data, an end, or the bio stops. Returns the
 * byte count (> 0; 0 only when len is 0), MJ_IO_END, the bio's result, or an Mbed TLS error. If
 * more is not NULL, *more is set to whether Mbed TLS holds more input after data was read (the
 * rest of a record, or records the bio already gave it).
 */
int mj_io_read(mj_ssl *s, const struct mj_bio *bio, void *call, unsigned char *buf, size_t len, int *more);

/*
 * mbedtls_ssl_write of buf[0 .. len), as one record (fewer bytes if a record holds fewer, or the
 * bio's room is smaller), after any record another call left pending. Returns the byte count
 * (> 0), the bio's result, or an Mbed TLS error. If a bio that does not wait gives up while this
 * call's record is made but not yet taken, the record stays in Mbed TLS's buffer for the next
 * flush and its data counts as written.
 */
int mj_io_write(mj_ssl *s, const struct mj_bio *bio, void *call, const unsigned char *buf, size_t len);

/* Sends what is pending in Mbed TLS's output buffer. 0 once nothing is, else the bio's result or an error. */
int mj_io_flush(mj_ssl *s, const struct mj_bio *bio, void *call);

/*
 * mbedtls_ssl_close_notify, after any record still pending (else Mbed TLS would send that instead
 * of making the alert). 0 once the alert has gone; the bio's result (for a bio that does not
 * wait: WANT_WRITE with the alert made and waiting in Mbed TLS's buffer, MJ_IO_ALERT_NOT_MADE
 * when even what was pending before did not go), or an Mbed TLS error.
 */
int mj_io_close_notify(mj_ssl *s, const struct mj_bio *bio, void *call);

/*
 * With the lock held: mbedtls_ssl_session_reset, and what the core and the binding knew of the
 * connection goes with it (how the peer ended, the last call, offered session, verified leaf,
 * full handshake, external PSK). Mbed TLS's result.
 */
int mj_io_session_reset(mj_ssl *s);

/*
 * With the lock held, on a server: whether the finished handshake resumed a session (by the
 * cache or a ticket). Mbed TLS has no getter; the core's handshake loop sees the states: a full
 * handshake writes MBEDTLS_SSL_SERVER_CERTIFICATE (TLS 1.2 always, PSK suites too; TLS 1.3
 * unless a PSK is used), and an external PSK comes from the PskLookup.
 */
int mj_io_server_resumed(const mj_ssl *s);

/* With the lock held: the bytes Mbed TLS has made and the bio has not taken (out_left). */
size_t mj_io_pending_output(const mj_ssl *s);

/*
 * With the lock held: the cipher suite of the session being negotiated, once the server has
 * chosen it (the state machine is past MBEDTLS_SSL_SERVER_HELLO, on either side), else 0.
 */
int mj_io_negotiating_ciphersuite(const mj_ssl *s);

/*
 * With the lock held: the handshake's state (ssl->state, an mbedtls_ssl_states value;
 * MBEDTLS_SSL_HANDSHAKE_OVER once established), which the DTLS server's cookie check reads
 * between two mbedtls_ssl_handshake_step calls (datagram_bio.c).
 */
int mj_io_handshake_state(const mj_ssl *s);

/*
 * The length of the CIDs this side asked for (the config's cid_len: the CID field of every
 * tls12_cid record it receives), 0 without RFC 9146 CID in the build. Mbed TLS parses record
 * headers with it; datagram_bio.c walks a datagram's records the same way.
 */
size_t mj_io_conf_cid_len(const mj_ssl *s);

/* With the lock held: the current session's id and its length (*len 0: none or empty), or NULL before a handshake. */
const unsigned char *mj_io_session_id(const mj_ssl *s, size_t *len);

#endif /* MJ_SSL_IO_H */
