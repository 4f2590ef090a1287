/*
 * bench_server: the TLS server every benchmark client (the Mbed TLS C harness, the binding through
 * JMH, JSSE) talks to, on 127.0.0.1. OpenSSL's libssl, one thread per connection, so that the
 * server is never the bottleneck: its ECDSA P-256 signature, X25519 and AES-GCM/ChaCha20 are
 * several times faster than Mbed TLS's, and its CPU use is reported (command 'Q') so the bench
 * script can show it.
 *
 *   bench_server CERT_CHAIN KEY [CIPHERS]     prints "PORT <n>" on stdout once listening
 *
 * CIPHERS: "all" (OpenSSL's defaults, TLS 1.2 and 1.3), "aesgcm" (AES-256-GCM only) or
 * "chacha" (ChaCha20-Poly1305 only); one server per setting, since the server picks the suite.
 *
 * After the handshake the client may send one command byte (a handshake-only client just closes):
 *   'E'  echo: every byte read is written back, until the client closes;
 *   'S'  sink: everything read is discarded, until the client closes;
 *   'G'  generate: 16 KiB writes, until the client closes;
 *   'Q'  one text line "conns=N resumed=N cpu_us=N wall_us=N" (the server's totals), then close.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384

static SSL_CTX *ctx;
static atomic_long conns;
static atomic_long resumed;
static struct timespec started;

static void die(const char *what)
{
    fprintf(stderr, "bench_server: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static long long micros(struct timespec t)
{
    return (long long) t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static void stats(SSL *ssl)
{
    struct rusage ru;
    struct timespec now;
    char line[200];
    int n;
    getrusage(RUSAGE_SELF, &ru);
    clock_gettime(CLOCK_MONOTONIC, &now);
    n = snprintf(line, sizeof line, "conns=%ld resumed=%ld cpu_us=%lld wall_us=%lld\n", atomic_load(&conns),
                 atomic_load(&resumed),
                 (long long) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec +
                     ru.ru_stime.tv_usec,
                 micros(now) - micros(started));
    SSL_write(ssl, line, n);
}

static void *serve(void *arg)
{
    int fd = (int) (intptr_t) arg;
    SSL *ssl = SSL_new(ctx);
    unsigned char *buf = malloc(CHUNK);
    unsigned char cmd;
    int n;

    if (ssl == NULL || buf == NULL) {
        goto out;
    }
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
        ERR_clear_error();
        goto out;
    }
    atomic_fetch_add(&conns, 1);
    if (SSL_session_reused(ssl)) {
        atomic_fetch_add(&resumed, 1);
    }
    if (SSL_read(ssl, &cmd, 1) != 1) {
        goto done;
    }
    switch (cmd) {
    case 'E':
        while ((n = SSL_read(ssl, buf, CHUNK)) > 0) {
            if (SSL_write(ssl, buf, n) != n) {
                break;
            }
        }
        break;
    case 'S':
        while (SSL_read(ssl, buf, CHUNK) > 0) {
        }
        break;
    case 'G':
        memset(buf, 'g', CHUNK);
        while (SSL_write(ssl, buf, CHUNK) == CHUNK) {
        }
        break;
    case 'Q':
        stats(ssl);
        break;
    default:
        break;
    }
done:
    SSL_shutdown(ssl);
    ERR_clear_error();
out:
    SSL_free(ssl);
    free(buf);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *ciphers = argc > 3 ? argv[3] : "all";
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    pthread_attr_t attr;
    int lfd, one = 1;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_server CERT_CHAIN KEY [all|aesgcm|chacha]\n");
        return 64;
    }
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &started);
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        die("SSL_CTX_new");
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
        die("cannot load the certificate chain or key");
    }
    if (strcmp(ciphers, "aesgcm") == 0) {
        if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384") != 1 ||
            SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES256-GCM-SHA384") != 1) {
            die("cipher setting");
        }
    } else if (strcmp(ciphers, "chacha") == 0) {
        if (SSL_CTX_set_ciphersuites(ctx, "TLS_CHACHA20_POLY1305_SHA256") != 1 ||
            SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-CHACHA20-POLY1305") != 1) {
            die("cipher setting");
        }
    } else if (strcmp(ciphers, "all") != 0) {
        fprintf(stderr, "bench_server: unknown cipher setting %s\n", ciphers);
        return 64;
    }
    /* Sessions: TLS 1.2 session IDs and tickets, TLS 1.3 tickets (OpenSSL's defaults, kept). */
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *) "bench", 5);

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(lfd, 512) != 0 ||
        getsockname(lfd, (struct sockaddr *) &addr, &len) != 0) {
        perror("bench_server: bind/listen");
        return 1;
    }
    printf("PORT %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        pthread_t t;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (pthread_create(&t, &attr, serve, (void *) (intptr_t) fd) != 0) {
            close(fd);
        }
    }
}
