/* libFuzzer: the TLS client's read path fed by a malicious server, as TlsReadFuzzTest does it
 * through the binding, but with Mbed TLS's coverage visible to the fuzzer. The input is what the
 * "server" sends (its first byte picks the versions: even TLS 1.2 only, odd 1.2 and 1.3); what
 * the client sends is discarded. Same configuration as the library (mbedtls_jni_config.h),
 * VERIFY_OPTIONAL so that parsing goes on past a certificate that does not verify. */
#include "fuzz_common.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

struct feed {
    const uint8_t *p;
    size_t left;
};

static int send_discard(void *ctx, const unsigned char *buf, size_t len)
{
    (void) ctx;
    (void) buf;
    return (int) len;
}

static int recv_feed(void *ctx, unsigned char *buf, size_t len)
{
    struct feed *f = ctx;
    size_t n = len < f->left ? len : f->left;
    if (n == 0) {
        return 0; /* EOF */
    }
    memcpy(buf, f->p, n);
    f->p += n;
    f->left -= n;
    return (int) n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    struct feed feed;
    unsigned char buf[1024];
    int ret, steps = 0;

    if (size < 1) {
        return 0;
    }
    mj_fuzz_init();
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        goto exit;
    }
    mbedtls_ssl_conf_rng(&conf, mj_fuzz_rng, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
#if MBEDTLS_VERSION_MAJOR >= 3
    if ((data[0] & 1) == 0) {
        mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    }
#endif
    if (mbedtls_ssl_setup(&ssl, &conf) != 0 || mbedtls_ssl_set_hostname(&ssl, "localhost") != 0) {
        goto exit;
    }
    feed.p = data + 1;
    feed.left = size - 1;
    mbedtls_ssl_set_bio(&ssl, &feed, send_discard, recv_feed, NULL);
    do {
        ret = mbedtls_ssl_handshake(&ssl);
    } while ((ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) && ++steps < 1000);
    if (ret == 0) {
        do {
            ret = mbedtls_ssl_read(&ssl, buf, sizeof buf);
        } while (ret > 0 && ++steps < 1000);
    }
exit:
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    return 0;
}
