/*
 * dtls_bench: the DTLS benchmark workloads in plain C on the same Mbed TLS archives and config as
 * libmbedtlsjni.so, doing what the binding does step for step (bench/ DtlsBench does the same
 * through DtlsClient and DtlsServer): one shared config (DTLS, defaults, CTR_DRBG, a PSK or a CA
 * chain, the one cipher suite DtlsBench asks for, the CID length), and per handshake mbedtls_net_connect (UDP), mbedtls_ssl_setup,
 * set_hostname, set_bio, set_timer_cb, set_mtu, set_cid, handshake (with the cookie exchange),
 * close_notify, mbedtls_ssl_free + mbedtls_net_free.
 *
 *   dtls_bench MODE [--port N] [--psk HEX --psk-identity ID | --ca FILE] [--cert FILE --key FILE]
 *                   [--ciphersuite NAME] [--cid LEN] [--mtu N] [--warmup S] [--seconds S]
 *
 * The only cipher suite offered and accepted is --ciphersuite, by default the one DtlsBench
 * configures: TLS-PSK-WITH-AES-128-CCM-8 with --psk, else TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8
 * (Mbed TLS's default list would negotiate an ECDHE-PSK suite for a PSK: another workload).
 *
 * MODE:
 *   server      a DTLS server on 127.0.0.1 (port 0: any; prints "PORT n"), one client at a time as
 *               Mbed TLS's dtls_server.c: cookies (mbedtls_ssl_cookie_*), handshake, then each
 *               datagram echoed until close_notify; runs until killed
 *   handshake   full DTLS handshakes per second against --port ("RESULT dtls_handshakes_per_s"),
 *               after "INFO ciphersuite NAME" of the first handshake
 *   memory      heap bytes (glibc mallinfo2) one established server-side connection holds, with
 *               both ends in this process over loopback UDP: after the handshake and after the
 *               client's first record (which frees the handshake's state)
 */
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_cookie.h"
#include "mbedtls/timing.h"
#include "mbedtls/x509_crt.h"
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include "psa/crypto.h"
#endif

#include "platform_memory.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static const char *port = "0";
static const char *psk_hex = NULL;
static const char *psk_identity = NULL;
static const char *ca_file = NULL;
static const char *cert_file = NULL;
static const char *key_file = NULL;
static const char *ciphersuite = NULL;
static int ciphersuites[2];
static int cid_len = -1;
static int mtu = 1232;
static double warmup = 1.0;
static double seconds = 3.0;

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static void fail(const char *what, int ret)
{
    char text[200];
    mbedtls_strerror(ret, text, sizeof text);
    fprintf(stderr, "dtls_bench: %s: -0x%04x %s\n", what, (unsigned) -ret, text);
    exit(2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t unhex(const char *hex, unsigned char *out, size_t max)
{
    size_t n = strlen(hex) / 2, i;
    if (n > max) {
        n = max;
    }
    for (i = 0; i < n; i++) {
        unsigned int b;
        sscanf(hex + 2 * i, "%2x", &b);
        out[i] = (unsigned char) b;
    }
    return n;
}

/* The shared config of one endpoint: defaults for DTLS, RNG, credentials, CID, cookies. */
static void setup_config(mbedtls_ssl_config *conf, int endpoint, mbedtls_x509_crt *ca, mbedtls_x509_crt *own,
                         mbedtls_pk_context *key, mbedtls_ssl_cookie_ctx *cookie)
{
    int ret = mbedtls_ssl_config_defaults(conf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        fail("mbedtls_ssl_config_defaults", ret);
    }
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_ciphersuites(conf, ciphersuites);
    mbedtls_ssl_conf_authmode(conf, endpoint == MBEDTLS_SSL_IS_CLIENT && ca_file != NULL ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                                       : MBEDTLS_SSL_VERIFY_NONE);
    if (psk_hex != NULL) {
        unsigned char psk[64];
        size_t len = unhex(psk_hex, psk, sizeof psk);
        if ((ret = mbedtls_ssl_conf_psk(conf, psk, len, (const unsigned char *) psk_identity, strlen(psk_identity))) != 0) {
            fail("mbedtls_ssl_conf_psk", ret);
        }
    }
    if (ca_file != NULL && endpoint == MBEDTLS_SSL_IS_CLIENT) {
        if ((ret = mbedtls_x509_crt_parse_file(ca, ca_file)) != 0) {
            fail("mbedtls_x509_crt_parse_file (ca)", ret);
        }
        mbedtls_ssl_conf_ca_chain(conf, ca, NULL);
    }
    if (cert_file != NULL && endpoint == MBEDTLS_SSL_IS_SERVER) {
        if ((ret = mbedtls_x509_crt_parse_file(own, cert_file)) != 0) {
            fail("mbedtls_x509_crt_parse_file (cert)", ret);
        }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
        ret = mbedtls_pk_parse_keyfile(key, key_file, NULL, mbedtls_ctr_drbg_random, &drbg);
#else
        ret = mbedtls_pk_parse_keyfile(key, key_file, NULL);
#endif
        if (ret != 0) {
            fail("mbedtls_pk_parse_keyfile", ret);
        }
        if ((ret = mbedtls_ssl_conf_own_cert(conf, own, key)) != 0) {
            fail("mbedtls_ssl_conf_own_cert", ret);
        }
    }
#if defined(MBEDTLS_SSL_DTLS_CONNECTION_ID) && MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (cid_len >= 0 && (ret = mbedtls_ssl_conf_cid(conf, (size_t) cid_len, MBEDTLS_SSL_UNEXPECTED_CID_IGNORE)) != 0) {
        fail("mbedtls_ssl_conf_cid", ret);
    }
#endif
    if (cookie != NULL) {
        if ((ret = mbedtls_ssl_cookie_setup(cookie, mbedtls_ctr_drbg_random, &drbg)) != 0) {
            fail("mbedtls_ssl_cookie_setup", ret);
        }
        mbedtls_ssl_conf_dtls_cookies(conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, cookie);
    }
}

static void set_cid(mbedtls_ssl_context *ssl)
{
#if defined(MBEDTLS_SSL_DTLS_CONNECTION_ID) && MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (cid_len >= 0) {
        unsigned char cid[MBEDTLS_SSL_CID_IN_LEN_MAX];
        int ret = mbedtls_ctr_drbg_random(&drbg, cid, (size_t) cid_len);
        if (ret == 0) {
            ret = mbedtls_ssl_set_cid(ssl, MBEDTLS_SSL_CID_ENABLED, cid, (size_t) cid_len);
        }
        if (ret != 0) {
            fail("mbedtls_ssl_set_cid", ret);
        }
    }
#else
    (void) ssl;
#endif
}

/* --- server ------------------------------------------------------------------------------------ */

static void run_server(void)
{
    mbedtls_net_context listen_fd, client_fd;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_cookie_ctx cookie;
    mbedtls_x509_crt own;
    mbedtls_pk_context key;
    mbedtls_timing_delay_context timer;
    unsigned char client_ip[16], buf[2048];
    size_t ip_len;
    int ret;

    mbedtls_net_init(&listen_fd);
    mbedtls_net_init(&client_fd);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_cookie_init(&cookie);
    mbedtls_x509_crt_init(&own);
    mbedtls_pk_init(&key);
    setup_config(&conf, MBEDTLS_SSL_IS_SERVER, NULL, &own, &key, &cookie);
    if ((ret = mbedtls_net_bind(&listen_fd, "127.0.0.1", port, MBEDTLS_NET_PROTO_UDP)) != 0) {
        fail("mbedtls_net_bind", ret);
    }
    {
        struct sockaddr_storage a;
        socklen_t alen = sizeof a;
        getsockname(listen_fd.fd, (struct sockaddr *) &a, &alen);
        printf("PORT %d\n", ntohs(((struct sockaddr_in *) &a)->sin_port));
        fflush(stdout);
    }
    mbedtls_ssl_conf_read_timeout(&conf, 2000);
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0) {
        fail("mbedtls_ssl_setup", ret);
    }
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    mbedtls_ssl_set_mtu(&ssl, (uint16_t) mtu);
    for (;;) {
        mbedtls_net_free(&client_fd);
        mbedtls_ssl_session_reset(&ssl);
        set_cid(&ssl);
        if ((ret = mbedtls_net_accept(&listen_fd, &client_fd, client_ip, sizeof client_ip, &ip_len)) != 0) {
            fail("mbedtls_net_accept", ret);
        }
        if ((ret = mbedtls_ssl_set_client_transport_id(&ssl, client_ip, ip_len)) != 0) {
            fail("mbedtls_ssl_set_client_transport_id", ret);
        }
        mbedtls_ssl_set_bio(&ssl, &client_fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    handshake:
        do {
            ret = mbedtls_ssl_handshake(&ssl);
        } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
        if (ret == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED) {
            /* The client's next ClientHello, with the cookie, comes to this connected socket:
             * closing it (as dtls_server.c does) would lose that datagram when it is already
             * there, and cost the client a retransmission. Start over on the same socket. */
            mbedtls_ssl_session_reset(&ssl);
            set_cid(&ssl);
            if ((ret = mbedtls_ssl_set_client_transport_id(&ssl, client_ip, ip_len)) != 0) {
                fail("mbedtls_ssl_set_client_transport_id", ret);
            }
            goto handshake;
        }
        if (ret != 0) {
            continue; /* a failure (or silence: the read timeout): the next client */
        }
        for (;;) { /* echo until close_notify, an error or 2 s of silence */
            ret = mbedtls_ssl_read(&ssl, buf, sizeof buf);
            if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
                continue;
            }
            if (ret == MBEDTLS_ERR_SSL_CLIENT_RECONNECT) {
                goto handshake;
            }
            if (ret <= 0) {
                break;
            }
            mbedtls_ssl_write(&ssl, buf, (size_t) ret);
        }
        mbedtls_ssl_close_notify(&ssl);
    }
}

/* --- client ------------------------------------------------------------------------------------ */

static mbedtls_ssl_config client_conf;
static mbedtls_x509_crt client_ca;

static void one_handshake(const char *server_port, int print_ciphersuite)
{
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
    mbedtls_timing_delay_context timer;
    int ret;
    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    if ((ret = mbedtls_ssl_setup(&ssl, &client_conf)) != 0) {
        fail("mbedtls_ssl_setup", ret);
    }
    if ((ret = mbedtls_ssl_set_hostname(&ssl, ca_file != NULL ? "localhost" : NULL)) != 0) {
        fail("mbedtls_ssl_set_hostname", ret);
    }
    if ((ret = mbedtls_net_connect(&net, "127.0.0.1", server_port, MBEDTLS_NET_PROTO_UDP)) != 0) {
        fail("mbedtls_net_connect", ret);
    }
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    mbedtls_ssl_set_mtu(&ssl, (uint16_t) mtu);
    set_cid(&ssl);
    do {
        ret = mbedtls_ssl_handshake(&ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0) {
        fail("mbedtls_ssl_handshake", ret);
    }
    if (print_ciphersuite) {
        printf("INFO ciphersuite %s\n", mbedtls_ssl_get_ciphersuite(&ssl));
        fflush(stdout);
    }
    while ((ret = mbedtls_ssl_close_notify(&ssl)) == MBEDTLS_ERR_SSL_WANT_WRITE) {
    }
    mbedtls_ssl_free(&ssl);
    mbedtls_net_free(&net);
}

static void run_handshake(const char *server_port)
{
    double start, measure_from, t;
    long n = 0;
    mbedtls_ssl_config_init(&client_conf);
    mbedtls_x509_crt_init(&client_ca);
    setup_config(&client_conf, MBEDTLS_SSL_IS_CLIENT, &client_ca, NULL, NULL, NULL);
    mbedtls_ssl_conf_read_timeout(&client_conf, 0);
    one_handshake(server_port, 1);
    start = now();
    while (now() - start < warmup) {
        one_handshake(server_port, 0);
    }
    measure_from = now();
    do {
        one_handshake(server_port, 0);
        n++;
        t = now();
    } while (t - measure_from < seconds);
    printf("RESULT dtls_handshakes_per_s %.1f 1/s\n", n / (t - measure_from));
}

/* --- memory ------------------------------------------------------------------------------------ */

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static volatile int server_port_ready;
static char server_port_text[16];

static void *client_thread(void *arg)
{
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
    mbedtls_timing_delay_context timer;
    unsigned char buf[64] = { 0 };
    int ret;
    (void) arg;
    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_setup(&ssl, &client_conf);
    mbedtls_ssl_set_hostname(&ssl, ca_file != NULL ? "localhost" : NULL);
    mbedtls_net_connect(&net, "127.0.0.1", server_port_text, MBEDTLS_NET_PROTO_UDP);
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    set_cid(&ssl);
    do {
        ret = mbedtls_ssl_handshake(&ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0) {
        fail("client handshake", ret);
    }
    mbedtls_ssl_write(&ssl, buf, sizeof buf);
    mbedtls_ssl_read(&ssl, buf, sizeof buf);
    mbedtls_ssl_close_notify(&ssl);
    mbedtls_ssl_free(&ssl);
    mbedtls_net_free(&net);
    return NULL;
}

static void run_memory(void)
{
    mbedtls_net_context listen_fd, client_fd;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_cookie_ctx cookie;
    mbedtls_x509_crt own;
    mbedtls_pk_context key;
    mbedtls_timing_delay_context timer;
    unsigned char ip[16], buf[64];
    size_t ip_len;
    size_t base, after_handshake, after_record;
    pthread_t client;
    int ret;

    mbedtls_ssl_config_init(&client_conf);
    mbedtls_x509_crt_init(&client_ca);
    setup_config(&client_conf, MBEDTLS_SSL_IS_CLIENT, &client_ca, NULL, NULL, NULL);
    mbedtls_net_init(&listen_fd);
    mbedtls_net_init(&client_fd);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_cookie_init(&cookie);
    mbedtls_x509_crt_init(&own);
    mbedtls_pk_init(&key);
    setup_config(&conf, MBEDTLS_SSL_IS_SERVER, NULL, &own, &key, NULL);
    mbedtls_ssl_conf_dtls_cookies(&conf, NULL, NULL, NULL);
    if ((ret = mbedtls_net_bind(&listen_fd, "127.0.0.1", "0", MBEDTLS_NET_PROTO_UDP)) != 0) {
        fail("mbedtls_net_bind", ret);
    }
    {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        getsockname(listen_fd.fd, (struct sockaddr *) &a, &alen);
        snprintf(server_port_text, sizeof server_port_text, "%d", ntohs(a.sin_port));
    }
    pthread_create(&client, NULL, client_thread, NULL);
    mbedtls_net_accept(&listen_fd, &client_fd, ip, sizeof ip, &ip_len);
    base = heap_in_use();
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_setup(&ssl, &conf);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    set_cid(&ssl);
    mbedtls_ssl_set_bio(&ssl, &client_fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    do {
        ret = mbedtls_ssl_handshake(&ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret != 0) {
        fail("server handshake", ret);
    }
    after_handshake = heap_in_use();
    ret = mbedtls_ssl_read(&ssl, buf, sizeof buf);
    after_record = heap_in_use();
    mbedtls_ssl_write(&ssl, buf, ret > 0 ? (size_t) ret : 0);
    pthread_join(client, NULL);
    printf("INFO ciphersuite %s\n", mbedtls_ssl_get_ciphersuite(&ssl));
    printf("RESULT dtls_session_bytes_after_handshake %zu B\n", after_handshake - base);
    printf("RESULT dtls_session_bytes_established %zu B\n", after_record - base);
    printf("RESULT sizeof_mbedtls_ssl_context %zu B\n", sizeof(mbedtls_ssl_context));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int i, ret;
    for (i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) {
            port = argv[i + 1];
        } else if (strcmp(argv[i], "--psk") == 0) {
            psk_hex = argv[i + 1];
        } else if (strcmp(argv[i], "--psk-identity") == 0) {
            psk_identity = argv[i + 1];
        } else if (strcmp(argv[i], "--ca") == 0) {
            ca_file = argv[i + 1];
        } else if (strcmp(argv[i], "--cert") == 0) {
            cert_file = argv[i + 1];
        } else if (strcmp(argv[i], "--key") == 0) {
            key_file = argv[i + 1];
        } else if (strcmp(argv[i], "--ciphersuite") == 0) {
            ciphersuite = argv[i + 1];
        } else if (strcmp(argv[i], "--cid") == 0) {
            cid_len = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--mtu") == 0) {
            mtu = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--warmup") == 0) {
            warmup = atof(argv[i + 1]);
        } else if (strcmp(argv[i], "--seconds") == 0) {
            seconds = atof(argv[i + 1]);
        } else {
            fprintf(stderr, "dtls_bench: unknown option %s\n", argv[i]);
            return 64;
        }
    }
    if (psk_hex != NULL && psk_identity == NULL) {
        psk_identity = "bench";
    }
    if (ciphersuite == NULL) {
        ciphersuite = psk_hex != NULL ? "TLS-PSK-WITH-AES-128-CCM-8" : "TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8";
    }
    ciphersuites[0] = mbedtls_ssl_get_ciphersuite_id(ciphersuite);
    if (ciphersuites[0] == 0) {
        fprintf(stderr, "dtls_bench: unknown cipher suite %s (not in this Mbed TLS build)\n", ciphersuite);
        return 64;
    }
    mj_platform_memory_init();
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (psa_crypto_init() != PSA_SUCCESS) {
        fprintf(stderr, "dtls_bench: psa_crypto_init failed\n");
        return 2;
    }
#endif
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *) "dtls_bench", 10)) != 0) {
        fail("mbedtls_ctr_drbg_seed", ret);
    }
    if (strcmp(mode, "server") == 0) {
        run_server();
    } else if (strcmp(mode, "handshake") == 0) {
        run_handshake(port);
    } else if (strcmp(mode, "memory") == 0) {
        run_memory();
    } else {
        fprintf(stderr, "usage: dtls_bench server|handshake|memory [options] (see the comment at the top)\n");
        return 64;
    }
    return 0;
}
