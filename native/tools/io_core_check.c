/*
 * io_core_check: drives the I/O core (native/ssl_io.c) the way a bio does, with a bio scripted
 * here instead of a socket or the caller's buffers, and checks what only such a bio can show:
 * what a send that fails does, and that a record taken in pieces across several calls goes out
 * exactly once. A client context on its own suffices: its first flight (the ClientHello) is a
 * record like any other, and the peer is never reached.
 *
 *   io_core_check
 *
 * Prints one line per check, "ok NAME" or "FAIL NAME: why"; exit status 0 when every check
 * passed, 1 when one failed, 2 when a setup step failed (named on stderr). IoCoreTest runs it.
 */
#include <stdio.h>
#include <string.h>

#include "ssl_io.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"

/* A bio whose sends do what the check says; everything sent lands on the "wire". */
struct script {
    size_t piece;      /* at most this many bytes per send (0: any) */
    int block_every;   /* every other send would block (WANT_WRITE) when 1 */
    int send_error;    /* nonzero: every send fails with this */
    int sends;         /* sends so far */
    int waits;         /* waits so far */
    int wait_result;   /* what wait() returns for WANT_READ (the peer never answers) */
    unsigned char wire[8192];
    size_t wire_len;
};

static struct script script;

static int scripted_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void) ctx;
    if (script.send_error != 0) {
        return script.send_error;
    }
    if (script.block_every && script.sends++ % 2 == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (script.piece != 0 && len > script.piece) {
        len = script.piece;
    }
    if (len > sizeof script.wire - script.wire_len) {
        len = sizeof script.wire - script.wire_len;
    }
    memcpy(script.wire + script.wire_len, buf, len);
    script.wire_len += len;
    return (int) len;
}

static int scripted_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void) ctx;
    (void) buf;
    (void) len;
    return MBEDTLS_ERR_SSL_WANT_READ;
}

/* A bio that does not wait (as the memory bio). */
static int give_up(mj_ssl *s, void *call, int want)
{
    (void) s;
    (void) call;
    script.waits++;
    return want;
}

/* A bio that waits (as the socket bio): a write may go on at once, input never comes. */
static int wait_for_it(mj_ssl *s, void *call, int want)
{
    (void) s;
    (void) call;
    script.waits++;
    return want == MBEDTLS_ERR_SSL_WANT_WRITE ? 0 : script.wait_result;
}

static const struct mj_bio no_wait = { give_up, NULL, 0 };
static const struct mj_bio waits = { wait_for_it, NULL, 1 };

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_config conf;
static int failures;

static void check(int ok, const char *name, const char *why, int value)
{
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s: %s (got %d, -0x%04X)\n", name, why, value, (unsigned int) (value < 0 ? -value : value));
        failures++;
    }
}

/* A fresh context over the scripted bio, its script reset. 0, or an Mbed TLS error. */
static int fresh(mj_ssl *s)
{
    int ret;
    memset(&script, 0, sizeof script);
    memset(s, 0, sizeof *s);
    if (mj_io_init(s) != 0) {
        return -1;
    }
    if ((ret = mbedtls_ssl_setup(&s->ssl, &conf)) != 0 || (ret = mbedtls_ssl_set_hostname(&s->ssl, "localhost")) != 0) {
        return ret;
    }
    mbedtls_ssl_set_bio(&s->ssl, NULL, scripted_send, scripted_recv, NULL);
    return 0;
}

/* The wire holds exactly one whole TLS record (a handshake record: the ClientHello). */
static int one_record_on_the_wire(void)
{
    size_t len;
    if (script.wire_len < 5 || script.wire[0] != 0x16) {
        return 0;
    }
    len = ((size_t) script.wire[3] << 8) | script.wire[4];
    return script.wire_len == 5 + len;
}

/*
 * close_notify while another record is pending: a bio that took nothing gives "alert not made",
 * a bio whose send failed gives that failure, whatever its code. (MBEDTLS_ERR_SSL_INTERNAL_ERROR
 * once stood for the first, so an internal error was reported as "call again".)
 */
static int close_notify_keeps_a_real_error_apart(void)
{
    mj_ssl s;
    int ret, blocked, failed;
    if ((ret = fresh(&s)) != 0) {
        return ret;
    }
    script.block_every = 1;
    script.sends = 0; /* the first send blocks */
    ret = mj_io_handshake(&s, &no_wait, NULL);
    check(ret == MBEDTLS_ERR_SSL_WANT_WRITE && mj_io_pending_output(&s) > 0, "handshake-leaves-clienthello-pending",
          "the first send blocked: WANT_WRITE with the ClientHello pending", ret);
    script.sends = 0;
    blocked = mj_io_close_notify(&s, &no_wait, NULL);
    check(blocked == MJ_IO_ALERT_NOT_MADE, "close-notify-blocked-is-not-made", "MJ_IO_ALERT_NOT_MADE", blocked);
    script.send_error = MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    failed = mj_io_close_notify(&s, &no_wait, NULL);
    check(failed == MBEDTLS_ERR_SSL_INTERNAL_ERROR, "close-notify-reports-internal-error",
          "the send's own MBEDTLS_ERR_SSL_INTERNAL_ERROR", failed);
    check(failed != blocked, "close-notify-error-is-not-not-made", "a failure distinct from \"not made\"", failed);
    script.send_error = MBEDTLS_ERR_NET_CONN_RESET;
    failed = mj_io_flush(&s, &no_wait, NULL);
    check(failed == MBEDTLS_ERR_NET_CONN_RESET, "flush-reports-send-error", "the send's MBEDTLS_ERR_NET_CONN_RESET",
          failed);
    mj_io_free(&s);
    return 0;
}

/*
 * A record taken a few bytes at a time, with WANT_WRITE between the pieces, and the calls that
 * send it on alternating between the handshake and a flush: it is on the wire once, whole.
 */
static int a_record_sent_in_pieces_goes_out_once(void)
{
    mj_ssl s;
    int ret, calls = 0;
    if ((ret = fresh(&s)) != 0) {
        return ret;
    }
    script.piece = 7;
    script.block_every = 1;
    do {
        ret = calls % 2 == 0 ? mj_io_handshake(&s, &no_wait, NULL) : mj_io_flush(&s, &no_wait, NULL);
        calls++;
    } while ((ret == MBEDTLS_ERR_SSL_WANT_WRITE || (ret == 0 && mj_io_pending_output(&s) > 0)) && calls < 10000);
    check(one_record_on_the_wire(), "pieces-make-one-record", "one whole ClientHello on the wire", (int) script.wire_len);
    check(mj_io_pending_output(&s) == 0, "pieces-nothing-left", "nothing pending", (int) mj_io_pending_output(&s));
    check(calls > 2, "pieces-took-several-calls", "several calls", calls);
    mj_io_free(&s);
    return 0;
}

/*
 * A bio that waits: the handshake waits whenever the send blocks and goes on, and returns what
 * the wait returns when input does not come; the record is on the wire once.
 */
static int a_waiting_bio_waits_and_the_call_resumes(void)
{
    mj_ssl s;
    int ret;
    if ((ret = fresh(&s)) != 0) {
        return ret;
    }
    script.piece = 100;
    script.block_every = 1;
    script.wait_result = MBEDTLS_ERR_SSL_TIMEOUT;
    ret = mj_io_handshake(&s, &waits, NULL);
    check(ret == MBEDTLS_ERR_SSL_TIMEOUT, "waiting-bio-returns-wait-result", "the wait's MBEDTLS_ERR_SSL_TIMEOUT", ret);
    check(one_record_on_the_wire(), "waiting-bio-one-record", "one whole ClientHello on the wire", (int) script.wire_len);
    check(script.waits > 2, "waiting-bio-waited", "a wait per blocked send, and one for input", script.waits);
    mj_io_free(&s);
    return 0;
}

int main(void)
{
    int ret;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    if ((ret = mj_crypto_init()) != 0 ||
        (ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *) "io", 2)) != 0 ||
        (ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        fprintf(stderr, "io_core_check: setup failed: -0x%04X\n", (unsigned int) -ret);
        return 2;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
    if ((ret = close_notify_keeps_a_real_error_apart()) != 0 || (ret = a_record_sent_in_pieces_goes_out_once()) != 0 ||
        (ret = a_waiting_bio_waits_and_the_call_resumes()) != 0) {
        fprintf(stderr, "io_core_check: a context could not be set up: -0x%04X\n", (unsigned int) -ret);
        return 2;
    }
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
#if MJ_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    mbedtls_psa_crypto_free(); /* so that a leak check sees only what the core may have left */
#endif
    return failures == 0 ? 0 : 1;
}
