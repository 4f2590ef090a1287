/*
 * mbedtls_bench: the benchmark workloads in plain C on the same Mbed TLS archives and config as
 * libmbedtlsjni.so, doing what the JMH benchmarks (bench/) do through the binding, step
 * for step: one shared config (defaults, VERIFY_REQUIRED, TLS 1.2 minimum, CTR_DRBG, CA chain),
 * and per connection mbedtls_net_init + mbedtls_ssl_init, setup, set_hostname, net_connect,
 * set_bio, TCP_NODELAY + handshake (as the glue does), ..., close_notify, shutdown,
 * mbedtls_ssl_free + mbedtls_net_free.
 *
 * The socket is driven as the binding drives it (see "The socket, as the binding uses it"
 * below), so that both make the same system calls in the same order: send and recv that never
 * block, poll() when Mbed TLS must wait, and a read right after a write waiting for the socket
 * before asking Mbed TLS. Mbed TLS's own mbedtls_net_send/_recv on a blocking socket would make
 * other system calls than the binding (a read that sleeps in recv instead of poll), and then the
 * two would not measure the same work.
 *
 *   mbedtls_bench MODE [--port N] [--ca FILE] [--host 127.0.0.1] [--name localhost]
 *                      [--tls 1.2|1.3] [--warmup S] [--seconds S] [--threads N]
 *                      [--count N [--warmup-count W]]
 *
 * MODE (each prints "RESULT <name> <value> <unit>" lines; the peer is native/bench/bench_server.c):
 *   handshake    full handshakes per second, a new TCP connection each, no resumption; with
 *                --threads N, N threads share the config and DRBG (as Java threads share one
 *                TlsClient) and the total is reported
 *   resume       resumed handshakes per second: resume the last session, one 64-byte echo (which
 *                also receives the server's new ticket, kept for the next connection), close
 *                (handshake and resume with --count N: W connections of warm-up, then exactly N
 *                measured, and also "RESULT cpu_us_per_connection": the process's CPU time,
 *                user + system, per measured connection; bench/ CpuPerConnection does the same
 *                through the binding)
 *   bulk-write   MB/s of 16 KiB mbedtls_ssl_write calls over one connection (server sinks)
 *   bulk-read    MB/s of mbedtls_ssl_read calls into a 16 KiB buffer (server writes 16 KiB records)
 *   roundtrip    64-byte request / 64-byte response round trips per second over one connection
 *   once         exactly one verified handshake, then exit (cold start; exit status 0 = verified)
 *   memory       heap bytes held per connection (glibc mallinfo2) after setup and after handshake
 *   suites       the cipher suites, groups and signature algorithms this build offers, in order
 *   stats        the server's counters and CPU time (command 'Q')
 *   serve        Mbed TLS's server (see "The server role" below) on 127.0.0.1 (--port, else any:
 *                prints "PORT n"), with --cert/--key or --psk, until killed: bench_server's
 *                commands 'E' and 'Q'; the client modes above are its load generator
 *   server-memory  heap bytes the server holds per idle connection and per cached session
 *                (--count N connections, clients in a child process)
 *   hold         --count N connections (handshake and one byte 'H' each) held open until stdin
 *                ends; prints "HELD N" once all are made (bench/ ServerBench memory's clients)
 * Client and server: --psk HEX [--psk-identity ID] instead of certificates (TLS 1.3:
 * psk_ephemeral only), --ciphersuite NAME (the one suite offered / accepted), --tickets 0 (a
 * client that asks for no session ticket: a TLS 1.2 server then resumes from its session cache).
 *   spawn N CMD...  runs CMD N times: median wall time (ms) and median peak RSS (KiB)
 *   alternate N CMD1... -- CMD2... [-- CMD3...]  runs the commands in turn (1, 2, 3, 1, 2, 3,
 *                ...), N times each, so that a change of machine load hits all alike: for each,
 *                "RESULT cmd<i>_wall_ms_median", "..._maxrss_kib_median" (what /usr/bin/time -v
 *                reports as "Maximum resident set size": wait4's ru_maxrss), "..._cpu_ms_median"
 *                (user + system) and "..._wall_ms_min"
 */
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_cache.h"
#include "mbedtls/ssl_ticket.h"
#include "mbedtls/ssl_ciphersuites.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#include "platform_memory.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384
#define SMALL 64

static const char *host = "127.0.0.1";
static const char *port = NULL;
static const char *name = "localhost";
static const char *ca_file = NULL;
static int tls = 13;
static double warmup = 1.0;
static double seconds = 3.0;
static int threads = 1;
static long count = 0;        /* > 0: a fixed number of measured connections (--count) */
static long warmup_count = 0; /* with count: connections before the measured ones */
static const char *psk_hex = NULL;      /* --psk: a pre-shared key instead of certificates */
static const char *psk_identity = "bench";
static const char *ciphersuite = NULL;  /* --ciphersuite: the one suite offered / accepted */
static int ciphersuites[2];
static int no_tickets = 0;              /* --no-tickets: a TLS 1.2 client without session tickets */
static const char *cert_file = NULL;    /* the server's chain (serve, server-memory) */
static const char *key_file = NULL;
#define MAX_THREADS 16

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_x509_crt ca;
static mbedtls_ssl_config conf;

static void fail(const char *what, int ret)
{
    char text[200];
    mbedtls_strerror(ret, text, sizeof text);
    fprintf(stderr, "mbedtls_bench: %s: -0x%04x %s\n", what, (unsigned) -ret, text);
    exit(2);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void conf_psk_and_suite(mbedtls_ssl_config *c)
{
    int ret;
    if (ciphersuite != NULL) {
        mbedtls_ssl_conf_ciphersuites(c, ciphersuites);
    }
    if (psk_hex != NULL) {
        unsigned char psk[64];
        size_t n = strlen(psk_hex) / 2, i;
        if (n == 0 || n > sizeof psk) {
            fail("--psk (1 to 64 bytes in hex)", -1);
        }
        for (i = 0; i < n; i++) {
            unsigned int b;
            if (sscanf(psk_hex + 2 * i, "%2x", &b) != 1) {
                fail("--psk (hex)", -1);
            }
            psk[i] = (unsigned char) b;
        }
        if ((ret = mbedtls_ssl_conf_psk(c, psk, n, (const unsigned char *) psk_identity, strlen(psk_identity))) != 0) {
            fail("mbedtls_ssl_conf_psk", ret);
        }
        mbedtls_platform_zeroize(psk, sizeof psk);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
        /* TLS 1.3: the key with (EC)DHE, as the benchmark's one workload (psk_ephemeral). */
        mbedtls_ssl_conf_tls13_key_exchange_modes(c, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL);
#endif
    }
}

/* The shared setup, as SslConfig.defaults() + setRng + setCaChain (+ setMaxTlsVersion(1.2)). */
static void setup_config(int tickets)
{
    int ret;
    mj_platform_memory_init(); /* as the library at load: Mbed TLS's allocator */
    if (psa_crypto_init() != PSA_SUCCESS) {
        fail("psa_crypto_init", -1);
    }
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_ssl_config_init(&conf);
    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *) "bench", 5)) != 0) {
        fail("mbedtls_ctr_drbg_seed", ret);
    }
    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        fail("mbedtls_ssl_config_defaults", ret);
    }
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    if (tls == 12) {
        mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    }
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    if (tickets) {
        mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&conf,
                                                                 MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
    }
#else
    (void) tickets;
#endif
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) && MBEDTLS_SSL_IN_CONTENT_LEN < 16384
    /* As native/ssl_config.c: built with a small input buffer (-Dmbedtls.in.content.len), ask
     * the server for records that fit (max_fragment_length, RFC 6066; TLS 1.2). */
    (void) mbedtls_ssl_conf_max_frag_len(&conf,
                                         MBEDTLS_SSL_IN_CONTENT_LEN >= 4096   ? MBEDTLS_SSL_MAX_FRAG_LEN_4096
                                         : MBEDTLS_SSL_IN_CONTENT_LEN >= 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048
                                         : MBEDTLS_SSL_IN_CONTENT_LEN >= 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
                                                                              : MBEDTLS_SSL_MAX_FRAG_LEN_512);
#endif
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    conf_psk_and_suite(&conf);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    if (no_tickets) {
        mbedtls_ssl_conf_session_tickets(&conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    }
#endif
    if (ca_file != NULL) {
        if ((ret = mbedtls_x509_crt_parse_file(&ca, ca_file)) != 0) {
            fail("mbedtls_x509_crt_parse_file", ret);
        }
        mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    }
}

typedef struct {
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
    int wrote_last; /* the last call on the connection was a write */
} conn;

/*
 * --- The socket, as the binding uses it (native/net_context.c, native/ssl_context.c) ---------
 * Mbed TLS's send and receive callbacks never block: MSG_DONTWAIT (and MSG_NOSIGNAL: a closed
 * peer is an error, not SIGPIPE), WANT_WRITE / WANT_READ when the socket is not ready. The
 * caller then waits with poll(), outside Mbed TLS, and calls Mbed TLS again; except that a
 * WANT_READ with input held back in Mbed TLS (a TLS 1.3 NewSessionTicket: check_pending) calls
 * again at once.
 */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t r = send(((mbedtls_net_context *) ctx)->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE
                                                                         : MBEDTLS_ERR_NET_SEND_FAILED;
    }
    return (int) r;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t r = recv(((mbedtls_net_context *) ctx)->fd, buf, len, MSG_DONTWAIT);
    if (r < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ
                                                                         : MBEDTLS_ERR_NET_RECV_FAILED;
    }
    return (int) r;
}

static void wait_socket(conn *c, short events)
{
    struct pollfd p = { .fd = c->net.fd, .events = events, .revents = 0 };
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
}

/* After an Mbed TLS call returned ret: 1 (having waited if the socket must be waited for) if the
 * call is to be made again, 0 if ret is its result. */
static int again(conn *c, int ret)
{
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        wait_socket(c, POLLOUT);
        return 1;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
        if (!mbedtls_ssl_check_pending(&c->ssl)) {
            wait_socket(c, POLLIN);
        }
        return 1;
    }
    return 0;
}

/* NetContext + SslContext: init, setup, hostname, connect, bio, and optionally a session to resume. */
static void conn_open(conn *c, const mbedtls_ssl_session *session)
{
    int ret;
    mbedtls_net_init(&c->net);
    mbedtls_ssl_init(&c->ssl);
    if ((ret = mbedtls_ssl_setup(&c->ssl, &conf)) != 0) {
        fail("mbedtls_ssl_setup", ret);
    }
    if ((ret = mbedtls_ssl_set_hostname(&c->ssl, name)) != 0) {
        fail("mbedtls_ssl_set_hostname", ret);
    }
    if (session != NULL && (ret = mbedtls_ssl_set_session(&c->ssl, session)) != 0) {
        fail("mbedtls_ssl_set_session", ret);
    }
    if ((ret = mbedtls_net_connect(&c->net, host, port, MBEDTLS_NET_PROTO_TCP)) != 0) {
        fail("mbedtls_net_connect", ret);
    }
    mbedtls_ssl_set_bio(&c->ssl, &c->net, bio_send, bio_recv, NULL);
    c->wrote_last = 0;
}

static void conn_handshake(conn *c)
{
    int ret, one = 1;
    /* As SslContext.handshake(): TCP_NODELAY (see native/ssl_context.c). */
    (void) setsockopt(c->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    do {
        ret = mbedtls_ssl_handshake(&c->ssl);
    } while (again(c, ret));
    if (ret != 0) {
        fail("mbedtls_ssl_handshake", ret);
    }
}

static void conn_close(conn *c)
{
    int ret;
    do {
        ret = mbedtls_ssl_close_notify(&c->ssl);
    } while (again(c, ret));
    /* As NetContext.close(): shutdown first (which wakes any thread blocked on the socket), then
     * mbedtls_net_free closes the descriptor. */
    (void) shutdown(c->net.fd, SHUT_RDWR);
    mbedtls_ssl_free(&c->ssl);
    mbedtls_net_free(&c->net);
}

static void write_all(conn *c, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        int ret = mbedtls_ssl_write(&c->ssl, buf, len);
        c->wrote_last = 1;
        if (again(c, ret)) {
            continue;
        }
        if (ret < 0) {
            fail("mbedtls_ssl_write", ret);
        }
        buf += ret;
        len -= (size_t) ret;
    }
}

/* As SslContext.read: returns data, retrying on WANT_* and after TLS 1.3 NewSessionTickets. */
static int read_some(conn *c, unsigned char *buf, size_t len)
{
    for (;;) {
        int ret;
        /* A read right after a write (a request, then its answer) would find the socket empty:
         * with nothing held back in Mbed TLS, wait for the socket first, as the binding does. */
        if (c->wrote_last) {
            c->wrote_last = 0;
            if (mbedtls_ssl_get_bytes_avail(&c->ssl) == 0 && !mbedtls_ssl_check_pending(&c->ssl)) {
                wait_socket(c, POLLIN);
            }
        }
        ret = mbedtls_ssl_read(&c->ssl, buf, len);
        if (ret > 0) {
            return ret;
        }
        if (again(c, ret)) {
            continue;
        }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            continue;
        }
#endif
        fail("mbedtls_ssl_read", ret == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : ret);
    }
}

static void read_exactly(conn *c, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        got += (size_t) read_some(c, buf + got, len - got);
    }
}

static void result(const char *metric, double value, const char *unit)
{
    printf("RESULT %s %.3f %s\n", metric, value, unit);
}

/* The process's CPU time so far (user + system), in microseconds. */
static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/*
 * The measurement window of handshake and resume: by time (--warmup, --seconds), or by count
 * (--warmup-count, --count). window_tick() is called after each connection; it returns 0 when the
 * run is over, having printed the rate (and with --count the CPU time per connection).
 */
typedef struct {
    double measure_from, end, t, cpu0;
    long n, done;
    int counting;
    const char *metric;
} run_window;

static void window_start(run_window *w, const char *metric)
{
    memset(w, 0, sizeof *w);
    w->metric = metric;
    w->measure_from = now() + warmup;
    w->end = w->measure_from + seconds;
    if (count > 0 && warmup_count == 0) {
        w->counting = 1;
        w->measure_from = now();
        w->cpu0 = cpu_us();
    }
}

static int window_tick(run_window *w)
{
    w->t = now();
    if (count > 0) {
        w->done++;
        if (w->counting) {
            if (++w->n < count) {
                return 1;
            }
            result(w->metric, (double) w->n / (w->t - w->measure_from), "1/s");
            result("cpu_us_per_connection", (cpu_us() - w->cpu0) / (double) w->n, "us");
            return 0;
        }
        if (w->done >= warmup_count) {
            w->counting = 1;
            w->measure_from = now();
            w->cpu0 = cpu_us();
        }
        return 1;
    }
    if (w->counting) {
        w->n++;
        if (w->t >= w->end) {
            result(w->metric, (double) w->n / (w->t - w->measure_from), "1/s");
            return 0;
        }
    } else if (w->t >= w->measure_from) { /* the first one past the warm-up starts the clock */
        w->counting = 1;
        w->measure_from = w->t;
        w->end = w->t + seconds;
    }
    return 1;
}

static void run_handshake(void)
{
    run_window w;
    conn c;
    window_start(&w, "handshakes_per_s");
    do {
        conn_open(&c, NULL);
        conn_handshake(&c);
        conn_close(&c);
    } while (window_tick(&w));
}

/* One thread of handshake --threads N: counts the handshakes it finishes in the common window. */
typedef struct {
    double from, end;
    long count;
} window;

static void *handshake_thread(void *arg)
{
    window *w = arg;
    conn c;
    for (;;) {
        double t;
        conn_open(&c, NULL);
        conn_handshake(&c);
        conn_close(&c);
        t = now();
        if (t >= w->end) {
            return NULL;
        }
        if (t >= w->from) {
            w->count++;
        }
    }
}

static void run_handshake_threads(void)
{
    pthread_t ids[MAX_THREADS];
    window w[MAX_THREADS];
    double from = now() + warmup;
    long total = 0;
    int i;
    for (i = 0; i < threads; i++) {
        w[i].from = from;
        w[i].end = from + seconds;
        w[i].count = 0;
        if (pthread_create(&ids[i], NULL, handshake_thread, &w[i]) != 0) {
            fail("pthread_create", -1);
        }
    }
    for (i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        total += w[i].count;
    }
    result("handshakes_per_s", (double) total / seconds, "1/s");
}

static void run_resume(void)
{
    unsigned char out[1 + SMALL], in[SMALL];
    mbedtls_ssl_session session, next;
    run_window w;
    int ret;
    conn c;

    memset(out, 'r', sizeof out);
    out[0] = 'E';
    mbedtls_ssl_session_init(&session);
    /* The first connection, a full handshake, gets the session (TLS 1.2) or a ticket (TLS 1.3). */
    conn_open(&c, NULL);
    conn_handshake(&c);
    write_all(&c, out, sizeof out);
    read_exactly(&c, in, SMALL);
    if ((ret = mbedtls_ssl_get_session(&c.ssl, &session)) != 0) {
        fail("mbedtls_ssl_get_session", ret);
    }
    conn_close(&c);

    window_start(&w, "resumed_handshakes_per_s");
    do {
        conn_open(&c, &session);
        conn_handshake(&c);
        write_all(&c, out, sizeof out);
        read_exactly(&c, in, SMALL);
        /* As the JMH benchmark: keep the newest session (TLS 1.3: the ticket that came with the
         * echo; TLS 1.2: the renewed ticket), if there is one to export. */
        mbedtls_ssl_session_init(&next);
        if (mbedtls_ssl_get_session(&c.ssl, &next) == 0) {
            mbedtls_ssl_session_free(&session);
            session = next;
        } else {
            mbedtls_ssl_session_free(&next);
        }
        conn_close(&c);
    } while (window_tick(&w));
    mbedtls_ssl_session_free(&session);
}

static void run_bulk(int writing)
{
    static unsigned char buf[CHUNK];
    unsigned char cmd = writing ? 'S' : 'G';
    double measure_from, end, t;
    long long bytes = 0;
    int counting = 0;
    conn c;

    memset(buf, 'b', sizeof buf);
    conn_open(&c, NULL);
    conn_handshake(&c);
    write_all(&c, &cmd, 1);
    measure_from = now() + warmup;
    end = measure_from + seconds;
    for (long i = 0;; i++) {
        int n;
        if (writing) {
            do {
                n = mbedtls_ssl_write(&c.ssl, buf, CHUNK);
            } while (again(&c, n));
            if (n < 0) {
                fail("mbedtls_ssl_write", n);
            }
        } else {
            n = read_some(&c, buf, CHUNK);
        }
        bytes += n;
        if ((i & 15) == 0) {
            t = now();
            if (!counting && t >= measure_from) {
                counting = 1;
                measure_from = t;
                end = t + seconds;
                bytes = 0;
            } else if (counting && t >= end) {
                break;
            }
        }
    }
    printf("INFO ciphersuite %s\n", mbedtls_ssl_get_ciphersuite(&c.ssl));
    conn_close(&c);
    result(writing ? "bulk_write_MBps" : "bulk_read_MBps", (double) bytes / (t - measure_from) / 1e6, "MB/s");
}

static void run_roundtrip(void)
{
    unsigned char out[SMALL], in[SMALL], cmd = 'E';
    double measure_from, end, t;
    long n = 0;
    int counting = 0;
    conn c;

    memset(out, 'q', sizeof out);
    conn_open(&c, NULL);
    conn_handshake(&c);
    write_all(&c, &cmd, 1);
    measure_from = now() + warmup;
    end = measure_from + seconds;
    for (long i = 0;; i++) {
        write_all(&c, out, SMALL);
        read_exactly(&c, in, SMALL);
        n++;
        if ((i & 63) == 0) {
            t = now();
            if (!counting && t >= measure_from) {
                counting = 1;
                measure_from = t;
                end = t + seconds;
                n = 0;
            } else if (counting && t >= end) {
                break;
            }
        }
    }
    conn_close(&c);
    result("roundtrips_per_s", (double) n / (t - measure_from), "1/s");
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void run_memory(void)
{
    size_t base, after_setup, after_handshake;
    conn c;
    /* One warm-up connection so that lazily allocated shared state is not counted. */
    conn_open(&c, NULL);
    conn_handshake(&c);
    conn_close(&c);
    base = heap_in_use();
    conn_open(&c, NULL);
    after_setup = heap_in_use();
    conn_handshake(&c);
    after_handshake = heap_in_use();
    printf("INFO MBEDTLS_SSL_IN_CONTENT_LEN=%d MBEDTLS_SSL_OUT_CONTENT_LEN=%d\n", MBEDTLS_SSL_IN_CONTENT_LEN,
           MBEDTLS_SSL_OUT_CONTENT_LEN);
    printf("INFO ciphersuite %s\n", mbedtls_ssl_get_ciphersuite(&c.ssl));
    conn_close(&c);
    result("conn_bytes_after_setup", (double) (after_setup - base), "B");
    result("conn_bytes_after_handshake", (double) (after_handshake - base), "B");
    result("sizeof_mbedtls_ssl_context", (double) sizeof(mbedtls_ssl_context), "B");
}

static void run_suites(void)
{
    const int *ids = mbedtls_ssl_list_ciphersuites();
    char version[32];
    mbedtls_version_get_string_full(version);
    printf("version %s\n", version);
    for (; *ids != 0; ids++) {
        printf("suite %s\n", mbedtls_ssl_get_ciphersuite_name(*ids));
    }
    /* What the ClientHello offers besides the suites (private fields: read-only, for comparison). */
    for (const uint16_t *g = conf.MBEDTLS_PRIVATE(group_list); g != NULL && *g != 0; g++) {
        printf("group 0x%04x\n", *g);
    }
#if defined(MBEDTLS_SSL_HANDSHAKE_WITH_CERT_ENABLED)
    for (const uint16_t *a = conf.MBEDTLS_PRIVATE(sig_algs); a != NULL && *a != MBEDTLS_TLS1_3_SIG_NONE; a++) {
        printf("sig_alg 0x%04x\n", *a);
    }
#endif
}

static void run_stats(void)
{
    unsigned char cmd = 'Q', line[256];
    size_t got = 0;
    conn c;
    conn_open(&c, NULL);
    conn_handshake(&c);
    write_all(&c, &cmd, 1);
    for (;;) {
        int ret = mbedtls_ssl_read(&c.ssl, line + got, sizeof line - 1 - got);
        if (ret > 0) {
            got += (size_t) ret;
            if (line[got - 1] == '\n' || got == sizeof line - 1) {
                break;
            }
        } else if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            break;
        }
    }
    line[got] = '\0';
    printf("%s", (char *) line);
    conn_close(&c);
}

/* --- The server role (serve, server-memory) ---------------------------------------------------
 * Mbed TLS's own server on the same build, shaped as the binding's accept loop (docs/server.md,
 * "The steps"): one config (defaults, no client authentication, the chain and key or a PSK, a
 * session cache and session tickets as TlsServer has by default), and per client
 * mbedtls_net_accept, mbedtls_ssl_setup, set_bio (the binding's non-blocking socket calls and
 * poll), TCP_NODELAY, handshake, the client's command, close_notify, free. One client at a time:
 * the load generator connects one at a time, so a pool would only add hand-offs. */

static mbedtls_ssl_config srv_conf;
static mbedtls_x509_crt srv_chain;
static mbedtls_pk_context srv_key;
#if defined(MBEDTLS_SSL_CACHE_C)
static mbedtls_ssl_cache_context srv_cache;
static int srv_cache_on;
#endif
#if defined(MBEDTLS_SSL_TICKET_C)
static mbedtls_ssl_ticket_context srv_ticket;
#endif
static long srv_conns, srv_resumed;
static double srv_started;

/* The server's config; cache_entries 0: no session cache. */
static void server_config(int cache_entries)
{
    int ret;
    mbedtls_ssl_config_init(&srv_conf);
    mbedtls_x509_crt_init(&srv_chain);
    mbedtls_pk_init(&srv_key);
    if ((ret = mbedtls_ssl_config_defaults(&srv_conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        fail("mbedtls_ssl_config_defaults (server)", ret);
    }
    mbedtls_ssl_conf_rng(&srv_conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_authmode(&srv_conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_min_tls_version(&srv_conf, MBEDTLS_SSL_VERSION_TLS1_2);
    conf_psk_and_suite(&srv_conf);
    if (cert_file != NULL) {
        if ((ret = mbedtls_x509_crt_parse_file(&srv_chain, cert_file)) != 0) {
            fail("mbedtls_x509_crt_parse_file (--cert)", ret);
        }
        if ((ret = mbedtls_pk_parse_keyfile(&srv_key, key_file, NULL, mbedtls_ctr_drbg_random, &drbg)) != 0) {
            fail("mbedtls_pk_parse_keyfile (--key)", ret);
        }
        if ((ret = mbedtls_ssl_conf_own_cert(&srv_conf, &srv_chain, &srv_key)) != 0) {
            fail("mbedtls_ssl_conf_own_cert", ret);
        }
    }
#if defined(MBEDTLS_SSL_CACHE_C)
    if (cache_entries > 0) {
        mbedtls_ssl_cache_init(&srv_cache);
        mbedtls_ssl_cache_set_max_entries(&srv_cache, cache_entries);
        mbedtls_ssl_cache_set_timeout(&srv_cache, 86400);
        mbedtls_ssl_conf_session_cache(&srv_conf, &srv_cache, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
        srv_cache_on = 1;
    }
#else
    (void) cache_entries;
#endif
#if defined(MBEDTLS_SSL_TICKET_C)
    mbedtls_ssl_ticket_init(&srv_ticket);
    if ((ret = mbedtls_ssl_ticket_setup(&srv_ticket, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_CIPHER_AES_256_GCM, 86400)) != 0) {
        fail("mbedtls_ssl_ticket_setup", ret);
    }
    mbedtls_ssl_conf_session_tickets_cb(&srv_conf, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse, &srv_ticket);
#endif
}

static void server_config_free(void)
{
#if defined(MBEDTLS_SSL_CACHE_C)
    if (srv_cache_on) {
        mbedtls_ssl_cache_free(&srv_cache);
        srv_cache_on = 0;
    }
#endif
#if defined(MBEDTLS_SSL_TICKET_C)
    mbedtls_ssl_ticket_free(&srv_ticket);
#endif
    mbedtls_ssl_config_free(&srv_conf);
    mbedtls_x509_crt_free(&srv_chain);
    mbedtls_pk_free(&srv_key);
}

static int listen_on(mbedtls_net_context *listener)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int ret;
    mbedtls_net_init(listener);
    if ((ret = mbedtls_net_bind(listener, "127.0.0.1", port != NULL ? port : "0", MBEDTLS_NET_PROTO_TCP)) != 0) {
        fail("mbedtls_net_bind", ret);
    }
    if (getsockname(listener->fd, (struct sockaddr *) &a, &alen) != 0) {
        fail("getsockname", -1);
    }
    return ntohs(a.sin_port);
}

/* Accepts one client and makes the handshake: 0, or the failure (the connection is then freed).
 * The handshake steps as the binding's (native/ssl_io.c handshake_steps), so that a full
 * handshake is seen as the binding sees it: the server reached its Certificate state. */
static int server_accept(mbedtls_net_context *listener, conn *c, int *full)
{
    int ret, one = 1;
    mbedtls_net_init(&c->net);
    mbedtls_ssl_init(&c->ssl);
    c->wrote_last = 0;
    if ((ret = mbedtls_net_accept(listener, &c->net, NULL, 0, NULL)) != 0) {
        fail("mbedtls_net_accept", ret);
    }
    if ((ret = mbedtls_ssl_setup(&c->ssl, &srv_conf)) != 0) {
        fail("mbedtls_ssl_setup (server)", ret);
    }
    mbedtls_ssl_set_bio(&c->ssl, &c->net, bio_send, bio_recv, NULL);
    (void) setsockopt(c->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *full = 0;
    do {
        ret = 0;
        while (ret == 0 && c->ssl.MBEDTLS_PRIVATE(state) != MBEDTLS_SSL_HANDSHAKE_OVER) {
            if (c->ssl.MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_SERVER_CERTIFICATE) {
                *full = 1;
            }
            ret = mbedtls_ssl_handshake_step(&c->ssl);
        }
    } while (again(c, ret));
    if (ret != 0) {
        mbedtls_ssl_free(&c->ssl);
        mbedtls_net_free(&c->net);
    }
    return ret;
}

/* The next bytes from the client: > 0, or 0 at its close_notify, EOF or an error. */
static int server_read(conn *c, unsigned char *buf, size_t len)
{
    for (;;) {
        int ret = mbedtls_ssl_read(&c->ssl, buf, len);
        if (ret > 0) {
            return ret;
        }
        if (!again(c, ret)) {
            return 0;
        }
    }
}

/* Like write_all, without failing the process: 0, or the failure. */
static int server_write(conn *c, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        int ret = mbedtls_ssl_write(&c->ssl, buf, len);
        if (again(c, ret)) {
            continue;
        }
        if (ret < 0) {
            return ret;
        }
        buf += ret;
        len -= (size_t) ret;
    }
    return 0;
}

/* The server's side of one connection after the handshake: bench_server's commands 'E' (echo
 * until the client closes) and 'Q' (the counters), or nothing (a handshake-only client closes). */
static void server_serve(conn *c)
{
    unsigned char buf[CHUNK];
    int n = server_read(c, buf, sizeof buf);
    if (n > 0 && buf[0] == 'E') {
        if (n > 1 && server_write(c, buf + 1, (size_t) n - 1) != 0) {
            return;
        }
        while ((n = server_read(c, buf, sizeof buf)) > 0 && server_write(c, buf, (size_t) n) == 0) {
        }
    } else if (n > 0 && buf[0] == 'Q') {
        char line[200];
        int len = snprintf(line, sizeof line, "conns=%ld resumed=%ld cpu_us=%.0f wall_us=%.0f\n", srv_conns,
                           srv_resumed, cpu_us(), (now() - srv_started) * 1e6);
        (void) server_write(c, (const unsigned char *) line, (size_t) len);
    }
}

static void server_close(conn *c)
{
    int ret;
    do {
        ret = mbedtls_ssl_close_notify(&c->ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_WRITE && again(c, ret));
    (void) shutdown(c->net.fd, SHUT_RDWR);
    mbedtls_ssl_free(&c->ssl);
    mbedtls_net_free(&c->net);
}

static void run_serve(void)
{
    mbedtls_net_context listener;
    conn c;
    int full;
    server_config(1000);
    srv_started = now();
    printf("PORT %d\n", listen_on(&listener));
    for (;;) {
        if (server_accept(&listener, &c, &full) != 0) {
            continue; /* one client's failure: serve the next */
        }
        srv_conns++;
        srv_resumed += psk_hex == NULL && !full; /* a PSK handshake has no Certificate either */
        server_serve(&c);
        server_close(&c);
    }
}

/*
 * The clients of a memory measurement (server-memory, and bench/ ServerBench memory through the
 * hold mode): one connection of warm-up, then count connections, each with its handshake and a
 * one-byte record ('H'); held open (hold) or closed at once; then "HELD" on stdout, and once
 * wait_fd reaches its end, the held ones are closed.
 */
static int client_set(int hold, int wait_fd)
{
    conn *held = calloc((size_t) count, sizeof *held);
    unsigned char cmd = 'H', b;
    long i;
    if (held == NULL) {
        fail("calloc", -1);
    }
    for (i = -1; i < count; i++) {
        conn *c = &held[i < 0 ? 0 : i];
        conn_open(c, NULL);
        conn_handshake(c);
        write_all(c, &cmd, 1);
        if (i < 0 || !hold) {
            conn_close(c);
        }
    }
    printf("HELD %ld\n", count);
    fflush(stdout);
    while (read(wait_fd, &b, 1) > 0) {
    }
    for (i = 0; hold && i < count; i++) {
        conn_close(&held[i]);
    }
    free(held);
    return 0;
}

/*
 * server-memory: heap bytes the server holds per cached session and per idle connection, in
 * glibc's count of bytes in use (mallinfo2) and in resident memory (/proc/self/statm). The clients
 * run in a child process (fork) so that only the server's allocations are in this process; each
 * phase counts its second half of connections, so that what grows once (the first allocations of
 * a fresh process, and in the binding's JVM its own first touches) stays out of the per-connection
 * figure, and the binding's ServerBench counts the same way. Cached first: TLS 1.2 full
 * handshakes without tickets (the server keeps each session in its cache, by session id), each
 * connection closed. Idle then: each accepted, its handshake made and its first record read, all
 * kept open, no session cache. (That order keeps the resident count honest: memory freed by
 * closed connections is reused, so a phase after the idle one would grow in place.)
 */
static size_t resident_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%lu %lu", &size, &resident) != 2) {
        fail("/proc/self/statm", -1);
    }
    fclose(f);
    return resident * (size_t) sysconf(_SC_PAGESIZE);
}

static void memory_phase(mbedtls_net_context *listener, int hold, size_t *heap, size_t *rss)
{
    conn *server = calloc((size_t) count, sizeof *server);
    unsigned char b;
    size_t heap0 = 0, rss0 = 0;
    int pipe_fd[2], full, status;
    pid_t pid;
    long i;
    if (server == NULL || pipe(pipe_fd) != 0) {
        fail("calloc or pipe", -1);
    }
    server_config(hold ? 0 : (int) count + 10);
    fflush(stdout);
    if ((pid = fork()) < 0) {
        fail("fork", -1);
    }
    if (pid == 0) {
        close(pipe_fd[1]);
        if (!hold) {
            tls = 12;
            no_tickets = 1;
        }
        setup_config(0); /* re-seeds the DRBG too: not the parent's copy */
        (void) freopen("/dev/null", "w", stdout);
        _exit(client_set(hold, pipe_fd[0]));
    }
    close(pipe_fd[0]);
    for (i = -1; i < count; i++) {
        conn *c = &server[i < 0 ? 0 : i];
        int ret;
        if (i == count / 2) {
            heap0 = heap_in_use();
            rss0 = resident_bytes();
        }
        if ((ret = server_accept(listener, c, &full)) != 0) {
            fail("server handshake", ret);
        }
        if (server_read(c, &b, 1) != 1) {
            fail("the client's first record", -1);
        }
        if (i < 0 || !hold) {
            server_close(c);
        }
    }
    *heap = heap_in_use() - heap0;
    *rss = resident_bytes() - rss0;
    if (hold) {
        printf("INFO idle ciphersuite %s\n", mbedtls_ssl_get_ciphersuite(&server[0].ssl));
    }
    for (i = 0; hold && i < count; i++) {
        server_close(&server[i]);
    }
    close(pipe_fd[1]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail("the client process failed", -1);
    }
    server_config_free();
    free(server);
}

static void run_server_memory(void)
{
    mbedtls_net_context listener;
    char port_text[16];
    size_t idle, idle_rss, cached, cached_rss;
    double n;
    if (count <= 0) {
        count = 100;
    }
    n = (double) (count - count / 2); /* the connections counted: each phase's second half */
    snprintf(port_text, sizeof port_text, "%d", listen_on(&listener));
    port = port_text;
    memory_phase(&listener, 0, &cached, &cached_rss);
    memory_phase(&listener, 1, &idle, &idle_rss);
    mbedtls_net_free(&listener);
    printf("INFO connections %ld, MBEDTLS_SSL_IN_CONTENT_LEN=%d MBEDTLS_SSL_OUT_CONTENT_LEN=%d\n", count,
           MBEDTLS_SSL_IN_CONTENT_LEN, MBEDTLS_SSL_OUT_CONTENT_LEN);
    result("server_cached_session_bytes", (double) cached / n, "B");
    result("server_cached_session_rss_bytes", (double) cached_rss / n, "B");
    result("server_idle_conn_bytes", (double) idle / n, "B");
    result("server_idle_conn_rss_bytes", (double) idle_rss / n, "B");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Runs cmd once (stdout to /dev/null): 0 with its wall time (ms), peak RSS (KiB) and CPU time (ms), or 2. */
static int spawn_once(char **cmd, double *wall_ms, double *rss_kib, double *cpu_ms)
{
    struct rusage ru;
    int status;
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL) {
            _exit(127);
        }
        execvp(cmd[0], cmd);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) {
        perror("mbedtls_bench: spawn");
        return 2;
    }
    *wall_ms = (now() - t0) * 1000.0;
    *rss_kib = (double) ru.ru_maxrss;
    *cpu_ms = (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
              (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "mbedtls_bench: %s exited with status %d\n", cmd[0], status);
        return 2;
    }
    return 0;
}

static int run_spawn(int n, char **cmd)
{
    double *wall = calloc((size_t) n, sizeof *wall), *rss = calloc((size_t) n, sizeof *rss), cpu;
    for (int i = 0; i < n; i++) {
        if (spawn_once(cmd, &wall[i], &rss[i], &cpu) != 0) {
            return 2;
        }
    }
    qsort(wall, (size_t) n, sizeof *wall, cmp_double);
    qsort(rss, (size_t) n, sizeof *rss, cmp_double);
    result("wall_ms_median", wall[n / 2], "ms");
    result("wall_ms_min", wall[0], "ms");
    result("maxrss_kib_median", rss[n / 2], "KiB");
    return 0;
}

/* The median of v[0 .. n): the mean of the middle two for an even n. Sorts v. */
static double median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_COMMANDS 8

static int run_alternate(int n, int argc, char **argv)
{
    char **cmd[MAX_COMMANDS];
    double *wall[MAX_COMMANDS], *rss[MAX_COMMANDS], *cpu[MAX_COMMANDS];
    int k = 0;
    cmd[k++] = argv;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            argv[i] = NULL; /* ends the previous command */
            if (k == MAX_COMMANDS || i + 1 == argc) {
                fprintf(stderr, "mbedtls_bench: alternate takes 1 to %d commands, separated by --\n", MAX_COMMANDS);
                return 64;
            }
            cmd[k++] = argv + i + 1;
        }
    }
    for (int c = 0; c < k; c++) {
        wall[c] = calloc((size_t) n, sizeof *wall[c]);
        rss[c] = calloc((size_t) n, sizeof *rss[c]);
        cpu[c] = calloc((size_t) n, sizeof *cpu[c]);
    }
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < k; c++) {
            if (spawn_once(cmd[c], &wall[c][i], &rss[c][i], &cpu[c][i]) != 0) {
                return 2;
            }
        }
    }
    for (int c = 0; c < k; c++) {
        char metric[64];
        snprintf(metric, sizeof metric, "cmd%d_wall_ms_median", c + 1);
        result(metric, median(wall[c], n), "ms");
        snprintf(metric, sizeof metric, "cmd%d_wall_ms_min", c + 1);
        result(metric, wall[c][0], "ms");
        snprintf(metric, sizeof metric, "cmd%d_maxrss_kib_median", c + 1);
        result(metric, median(rss[c], n), "KiB");
        snprintf(metric, sizeof metric, "cmd%d_cpu_ms_median", c + 1);
        result(metric, median(cpu[c], n), "ms");
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int i;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(mode, "spawn") == 0 && argc > 3) {
        return run_spawn(atoi(argv[2]), argv + 3);
    }
    if (strcmp(mode, "alternate") == 0 && argc > 3 && atoi(argv[2]) > 0) {
        return run_alternate(atoi(argv[2]), argc - 3, argv + 3);
    }
    for (i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) {
            port = argv[i + 1];
        } else if (strcmp(argv[i], "--host") == 0) {
            host = argv[i + 1];
        } else if (strcmp(argv[i], "--name") == 0) {
            name = argv[i + 1];
        } else if (strcmp(argv[i], "--ca") == 0) {
            ca_file = argv[i + 1];
        } else if (strcmp(argv[i], "--tls") == 0) {
            tls = strcmp(argv[i + 1], "1.2") == 0 ? 12 : 13;
        } else if (strcmp(argv[i], "--warmup") == 0) {
            warmup = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "--seconds") == 0) {
            seconds = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "--count") == 0) {
            count = atol(argv[i + 1]);
        } else if (strcmp(argv[i], "--warmup-count") == 0) {
            warmup_count = atol(argv[i + 1]);
        } else if (strcmp(argv[i], "--psk") == 0) {
            psk_hex = argv[i + 1];
        } else if (strcmp(argv[i], "--psk-identity") == 0) {
            psk_identity = argv[i + 1];
        } else if (strcmp(argv[i], "--ciphersuite") == 0) {
            ciphersuite = argv[i + 1];
            ciphersuites[0] = mbedtls_ssl_get_ciphersuite_id(ciphersuite);
            if (ciphersuites[0] == 0) {
                fprintf(stderr, "mbedtls_bench: unknown cipher suite %s (not in this Mbed TLS build)\n", ciphersuite);
                return 64;
            }
        } else if (strcmp(argv[i], "--tickets") == 0) {
            no_tickets = strcmp(argv[i + 1], "0") == 0;
        } else if (strcmp(argv[i], "--cert") == 0) {
            cert_file = argv[i + 1];
        } else if (strcmp(argv[i], "--key") == 0) {
            key_file = argv[i + 1];
        } else if (strcmp(argv[i], "--threads") == 0) {
            threads = atoi(argv[i + 1]);
            if (threads < 1 || threads > MAX_THREADS) {
                fprintf(stderr, "mbedtls_bench: --threads takes 1 to %d\n", MAX_THREADS);
                return 64;
            }
        } else {
            fprintf(stderr, "mbedtls_bench: unknown option %s\n", argv[i]);
            return 64;
        }
    }
    if (i != argc) {
        fprintf(stderr, "mbedtls_bench: option %s needs a value\n", argv[argc - 1]);
        return 64;
    }
    if (strcmp(mode, "suites") == 0) {
        setup_config(0);
        run_suites();
        return 0;
    }
    if ((cert_file == NULL) != (key_file == NULL)) {
        fprintf(stderr, "mbedtls_bench: --cert and --key go together\n");
        return 64;
    }
    if (strcmp(mode, "serve") == 0 && (cert_file != NULL || psk_hex != NULL)) {
        setup_config(0);
        run_serve();
    }
    if (strcmp(mode, "hold") == 0 && port != NULL && ca_file != NULL && count > 0) {
        setup_config(0);
        return client_set(1, 0);
    }
    if (strcmp(mode, "server-memory") == 0 && cert_file != NULL && ca_file != NULL) {
        setup_config(0);
        run_server_memory();
        return 0;
    }
    if (port == NULL || (ca_file == NULL && psk_hex == NULL) || strcmp(mode, "serve") == 0 ||
        strcmp(mode, "server-memory") == 0) {
        fprintf(stderr, "usage: mbedtls_bench handshake|resume|bulk-write|bulk-read|roundtrip|once|memory|stats "
                        "--port N --ca FILE|--psk HEX [--psk-identity ID] [--ciphersuite NAME] [--tickets 0|1] [--host H] [--name N] [--tls 1.2|1.3] [--warmup S] [--seconds S] [--threads N] [--count N [--warmup-count W]]\n"
                        "       mbedtls_bench serve --cert CHAIN --key KEY|--psk HEX [--port N] [--ciphersuite NAME]\n"
                        "       mbedtls_bench hold --port N --ca FILE --count N [--tls 1.2|1.3]\n"
                        "       mbedtls_bench server-memory --cert CHAIN --key KEY --ca FILE [--tls 1.2|1.3] [--count N]\n"
                        "       mbedtls_bench suites\n"
                        "       mbedtls_bench spawn N COMMAND...\n"
                        "       mbedtls_bench alternate N COMMAND... -- COMMAND... [-- COMMAND...]\n");
        return 64;
    }
    setup_config(strcmp(mode, "resume") == 0);
    if (strcmp(mode, "handshake") == 0 && threads > 1) {
        run_handshake_threads();
    } else if (strcmp(mode, "handshake") == 0) {
        run_handshake();
    } else if (strcmp(mode, "resume") == 0) {
        run_resume();
    } else if (strcmp(mode, "bulk-write") == 0) {
        run_bulk(1);
    } else if (strcmp(mode, "bulk-read") == 0) {
        run_bulk(0);
    } else if (strcmp(mode, "roundtrip") == 0) {
        run_roundtrip();
    } else if (strcmp(mode, "memory") == 0) {
        run_memory();
    } else if (strcmp(mode, "stats") == 0) {
        run_stats();
    } else if (strcmp(mode, "once") == 0) {
        conn c;
        conn_open(&c, NULL);
        conn_handshake(&c);
        conn_close(&c);
    } else {
        fprintf(stderr, "mbedtls_bench: unknown mode '%s'\n", mode);
        return 64;
    }
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    mbedtls_psa_crypto_free();
    return 0;
}
