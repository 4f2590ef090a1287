/* The I/O core under every bio of an SslContext: see ssl_io.h. */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "ssl_io.h"

#include <stdint.h>

int mj_io_init(mj_ssl *s)
{
    int ret;
#if defined(PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP)
    {
        /* glibc's static initializer: the pthread_mutexattr_* calls would need GLIBC_2.34 symbols
         * (glibc_compat.c), while this needs none. */
        static const pthread_mutex_t recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
        s->lock = recursive;
        ret = 0;
    }
#else
    {
        pthread_mutexattr_t attr;
        ret = pthread_mutexattr_init(&attr);
        if (ret == 0) {
            ret = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
            if (ret == 0) {
                ret = pthread_mutex_init(&s->lock, &attr);
            }
            (void) pthread_mutexattr_destroy(&attr);
        }
    }
#endif
    if (ret != 0) {
        return -1;
    }
    mbedtls_ssl_init(&s->ssl);
    s->inbound = MJ_INBOUND_OPEN;
    return 0;
}

void mj_io_free(mj_ssl *s)
{
    mbedtls_ssl_free(&s->ssl);
    (void) pthread_mutex_destroy(&s->lock);
}

/* A mutex initialised by mj_io_init cannot fail to lock or unlock here. */
void mj_ssl_lock(mj_ssl *s)
{
    (void) pthread_mutex_lock(&s->lock);
}

void mj_ssl_unlock(mj_ssl *s)
{
    (void) pthread_mutex_unlock(&s->lock);
}

/* The lock, with this call's state where the bio's send and receive functions find it. */
static void enter(mj_ssl *s, void *call)
{
    mj_ssl_lock(s);
    s->call = call;
}

static void leave(mj_ssl *s)
{
    s->call = NULL;
    mj_ssl_unlock(s);
}

/* --- Mbed TLS's private fields: read here only -------------------------------------------------- */

int mj_io_handshake_state(const mj_ssl *s)
{
    return (int) s->ssl.MBEDTLS_PRIVATE(state);
}

size_t mj_io_pending_output(const mj_ssl *s)
{
    return s->ssl.MBEDTLS_PRIVATE(out_left);
}

int mj_io_negotiating_ciphersuite(const mj_ssl *s)
{
    const mbedtls_ssl_session *negotiating = s->ssl.MBEDTLS_PRIVATE(session_negotiate);
    if (negotiating == NULL || s->ssl.MBEDTLS_PRIVATE(state) <= MBEDTLS_SSL_SERVER_HELLO) {
        return 0;
    }
    return negotiating->MBEDTLS_PRIVATE(ciphersuite);
}

size_t mj_io_conf_cid_len(const mj_ssl *s)
{
#if MJ_HAS_CID
    return s->ssl.MBEDTLS_PRIVATE(conf)->MBEDTLS_PRIVATE(cid_len);
#else
    (void) s;
    return 0;
#endif
}

const unsigned char *mj_io_session_id(const mj_ssl *s, size_t *len)
{
    const mbedtls_ssl_session *session = s->ssl.MBEDTLS_PRIVATE(session);
    *len = 0;
    if (session == NULL) {
        return NULL;
    }
    if (session->MBEDTLS_PRIVATE(id_len) <= sizeof session->MBEDTLS_PRIVATE(id)) {
        *len = session->MBEDTLS_PRIVATE(id_len);
    }
    return session->MBEDTLS_PRIVATE(id);
}

int mj_io_session_reset(mj_ssl *s)
{
    s->inbound = MJ_INBOUND_OPEN;
    s->failed = 0;
    s->wrote_last = 0;
    s->session_offered = 0;
    s->leaf_verified = 0;
    s->chain_flags = 0;
    s->failure = 0;
    s->full_handshake = 0;
    s->external_psk = 0;
    return mbedtls_ssl_session_reset(&s->ssl);
}

int mj_io_server_resumed(const mj_ssl *s)
{
    return s->ssl.MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_HANDSHAKE_OVER && !s->full_handshake && !s->external_psk;
}

/* --- The rules every bio shares ------------------------------------------------------------------ */

/*
 * With the lock held, after an Mbed TLS call returned ret: 1 if it should be called again at
 * once, without waiting. WANT_READ although Mbed TLS holds input back (a TLS 1.3
 * NewSessionTicket it processes on the next call: waiting for the bio then could wait for
 * ever), or a ticket just taken in.
 */
static int call_again(mj_ssl *s, int ret)
{
    return ret == MJ_ERR_NEW_SESSION_TICKET ||
           (ret == MBEDTLS_ERR_SSL_WANT_READ && mbedtls_ssl_check_pending(&s->ssl));
}

/*
 * With the lock held, after mbedtls_ssl_handshake, _read or _write returned ret: records an error
 * after which, by Mbed TLS's documented rule, the context must not be used for reading or writing
 * again. Mbed TLS may have sent a fatal alert with it, and TLS allows nothing after one, so no
 * close_notify follows (mj_io_close_notify). Not such errors: want and in-progress, a ticket or
 * early data taken in, the peer's own close_notify or EOF (a close_notify may still answer them),
 * a DTLS read's timeout, and a DTLS server's cookie exchange or reconnect, which reset the session.
 */
static void note_failure(mj_ssl *s, int ret)
{
    if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE &&
        ret != MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS && ret != MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS &&
        ret != MJ_ERR_NEW_SESSION_TICKET && ret != MJ_ERR_RECEIVED_EARLY_DATA &&
        ret != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY && ret != MBEDTLS_ERR_SSL_CONN_EOF && ret != MBEDTLS_ERR_SSL_TIMEOUT &&
        ret != MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED && ret != MBEDTLS_ERR_SSL_CLIENT_RECONNECT) {
        s->failed = 1;
    }
}

/*
 * With the lock held: sends what another call left in Mbed TLS's output buffer. 0 when nothing
 * is pending (any more), else what the flush returned. mbedtls_ssl_write with length 0 does
 * exactly that flush, and writes nothing itself (the flush it would do before a fresh record
 * would otherwise take the pending record for the fresh write's own, and close_notify would
 * send it instead of the alert). Before the handshake is over it steps the handshake, which
 * flushes first as well.
 */
static int flush_pending(mj_ssl *s)
{
    static const unsigned char none[1] = { 0 };
    if (mj_io_pending_output(s) == 0) {
        return 0;
    }
    return mbedtls_ssl_write(&s->ssl, none, 0);
}

/*
 * What follows an Mbed TLS call that returned ret < 0, once the lock is released (again: what
 * call_again said under it): MJ_IO_AGAIN to call Mbed TLS again (at once, or after the bio has
 * waited), else the result to return (an error, or what the bio's wait returned).
 */
#define MJ_IO_AGAIN 1

static int after(mj_ssl *s, const struct mj_bio *bio, void *call, int ret, int again)
{
    if (again) {
        return MJ_IO_AGAIN;
    }
    if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        return ret;
    }
    ret = bio->wait(s, call, ret);
    return ret == 0 ? MJ_IO_AGAIN : ret;
}

/* --- The operations ------------------------------------------------------------------------------ */

/*
 * mbedtls_ssl_handshake's own loop of mbedtls_ssl_handshake_step (its sanity checks hold: a
 * config is set up, and a datagram bio sets its timer), written out so that each state is seen:
 * a server about to write its Certificate does a full handshake (mj_io_server_resumed).
 */
static int handshake_steps(mj_ssl *s)
{
    int ret = 0;
    while (ret == 0 && s->ssl.MBEDTLS_PRIVATE(state) != MBEDTLS_SSL_HANDSHAKE_OVER) {
        if (s->ssl.MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_SERVER_CERTIFICATE) {
            s->full_handshake = 1;
        }
        ret = mbedtls_ssl_handshake_step(&s->ssl);
    }
    return ret;
}

int mj_io_handshake(mj_ssl *s, const struct mj_bio *bio, void *call)
{
    int ret, again;
    do {
        enter(s, call);
        ret = handshake_steps(s);
        note_failure(s, ret);
        again = call_again(s, ret);
        leave(s);
    } while (ret != 0 && (ret = after(s, bio, call, ret, again)) == MJ_IO_AGAIN);
    return ret;
}

int mj_io_read(mj_ssl *s, const struct mj_bio *bio, void *call, unsigned char *buf, size_t len, int *more)
{
    int ret, again, end;
    for (;;) {
        enter(s, call);
        if (s->inbound != MJ_INBOUND_OPEN) {
            leave(s);
            return MJ_IO_END;
        }
        /*
         * A read right after a write (a request, then its answer) would find the bio empty: the
         * peer has yet to answer. With nothing held back in Mbed TLS, a bio that waits waits
         * first instead of learning that from a receive that fails (the C client's blocking recv
         * makes one system call there, so does this).
         */
        if (bio->waits && s->wrote_last) {
            s->wrote_last = 0;
            if (mbedtls_ssl_get_bytes_avail(&s->ssl) == 0 && !mbedtls_ssl_check_pending(&s->ssl)) {
                leave(s);
                if ((ret = bio->wait(s, call, MBEDTLS_ERR_SSL_WANT_READ)) != 0) {
                    return ret;
                }
                continue;
            }
        }
        ret = mbedtls_ssl_read(&s->ssl, buf, len);
        note_failure(s, ret);
        end = 1;
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            s->inbound = MJ_INBOUND_CLOSE_NOTIFY;
        } else if (ret == MBEDTLS_ERR_SSL_CONN_EOF || (ret == 0 && len > 0)) {
            s->inbound = MJ_INBOUND_EOF;
        } else {
            end = 0;
        }
        again = call_again(s, ret);
        if (ret > 0 && more != NULL) {
            *more = mbedtls_ssl_check_pending(&s->ssl);
        }
        leave(s);
        if (end) {
            return MJ_IO_END;
        }
        if (ret >= 0) {
            return ret;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE && !again) {
            /* The alert this read made waits in the output buffer: once the bio can take it, send it on. */
            if ((ret = after(s, bio, call, ret, 0)) != MJ_IO_AGAIN) {
                return ret;
            }
            if ((ret = mj_io_flush(s, bio, call)) != 0) {
                return ret;
            }
        } else if ((ret = after(s, bio, call, ret, again)) != MJ_IO_AGAIN) {
            return ret;
        }
    }
}

int mj_io_write(mj_ssl *s, const struct mj_bio *bio, void *call, const unsigned char *buf, size_t len)
{
    size_t in_flight = 0; /* > 0: this call's record, of that many bytes, is made but (partly) unsent */
    size_t n = len;
    int ret, again;
    for (;;) {
        enter(s, call);
        if (in_flight > 0 && mj_io_pending_output(s) == 0) {
            ret = (int) in_flight; /* another call sent the rest of it */
        } else if (in_flight == 0 && mj_io_pending_output(s) != 0) {
            ret = flush_pending(s);
            if (ret == 0) {
                leave(s);
                continue; /* now make ours */
            }
        } else {
            ret = 0;
            if (in_flight == 0 && bio->room != NULL) {
                /* Only as much as makes a record that fits into the bio's room. */
                size_t room = bio->room(s, call);
                int expansion = mbedtls_ssl_get_record_expansion(&s->ssl);
                if (expansion < 0) {
                    ret = expansion;
                } else if (room <= (size_t) expansion) {
                    ret = MBEDTLS_ERR_SSL_WANT_WRITE; /* not even one byte would fit */
                } else if (len > room - (size_t) expansion) {
                    n = room - (size_t) expansion;
                } else {
                    n = len;
                }
            }
            if (ret == 0) {
                ret = mbedtls_ssl_write(&s->ssl, buf, n);
                if (ret == MBEDTLS_ERR_SSL_WANT_WRITE && in_flight == 0) {
                    /* How much the record holds, asked only now: a write that goes out at once (the
                     * usual case) does not need it, and a write changes no record size limit. */
                    int max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
                    if (max > 0) {
                        in_flight = n < (size_t) max ? n : (size_t) max;
                    }
                }
            }
        }
        note_failure(s, ret);
        again = call_again(s, ret);
        s->wrote_last = 1;
        leave(s);
        if (ret >= 0) {
            return ret;
        }
        ret = after(s, bio, call, ret, again);
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE && in_flight > 0) {
            return (int) in_flight; /* made: it goes out with the next call that flushes */
        }
        if (ret != MJ_IO_AGAIN) {
            return ret;
        }
    }
}

int mj_io_flush(mj_ssl *s, const struct mj_bio *bio, void *call)
{
    int ret, again;
    do {
        enter(s, call);
        ret = flush_pending(s);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ && mj_io_pending_output(s) == 0) {
            ret = 0; /* sent; what a handshake step wants next is not the flush's concern */
        }
        again = call_again(s, ret); /* a held-back ticket taken in first */
        leave(s);
    } while (ret != 0 && (ret = after(s, bio, call, ret, again)) == MJ_IO_AGAIN);
    return ret;
}

int mj_io_close_notify(mj_ssl *s, const struct mj_bio *bio, void *call)
{
    int made = 0; /* the alert is in the output buffer, or sent */
    int ret, again, done;
    for (;;) {
        enter(s, call);
        if (s->failed) {
            made = 1; /* no close_notify after a failure: only the fatal alert still pending goes out */
        }
        if (mj_io_pending_output(s) != 0) {
            ret = flush_pending(s);
        } else if (!made) {
            ret = mbedtls_ssl_close_notify(&s->ssl);
            made = ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        } else {
            ret = 0;
        }
        done = ret == 0 && made && mj_io_pending_output(s) == 0;
        again = call_again(s, ret);
        leave(s);
        if (done) {
            return 0;
        }
        if (ret == 0) {
            continue; /* what was pending is sent: now the alert */
        }
        if ((ret = after(s, bio, call, ret, again)) != MJ_IO_AGAIN) {
            return ret == MBEDTLS_ERR_SSL_WANT_WRITE && !made ? MJ_IO_ALERT_NOT_MADE : ret;
        }
    }
}
