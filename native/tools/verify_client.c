/*
 * verify_client: the guide's TLS client sequence in plain C, in VERIFY_OPTIONAL mode, against
 * the same Mbed TLS archives and configuration as libmbedtlsjni. It connects once and prints what
 * Mbed TLS decided about the server's certificate chain, so tests can check that the Java binding
 * reports exactly the same:
 *
 *   verify_client HOST PORT CA_FILE [CRL_FILE] SERVER_NAME
 *
 * Output (stdout), one "key=value" per line, then the verify info verbatim:
 *   handshake_ret=-0x2700        mbedtls_ssl_handshake's result (0 or a negative code)
 *   flags=0x00000008             mbedtls_ssl_get_verify_result
 *   verify_info_lines=1          number of lines that follow
 *   <mbedtls_x509_crt_verify_info(flags), prefix "">
 * Exit status: 0 when those lines were printed (whatever the handshake did), 2 on bad usage,
 * 1 when a setup step failed (named on stderr).
 */
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crl.h"
#include "mbedtls/x509_crt.h"

static void print_code(const char *key, int code)
{
    if (code < 0) {
        printf("%s=-0x%04X\n", key, (unsigned int) -code);
    } else {
        printf("%s=0x%04X\n", key, (unsigned int) code);
    }
}

static int fail(const char *step, int ret)
{
    fprintf(stderr, "verify_client: %s returned -0x%04X\n", step, (unsigned int) -ret);
    return 1;
}

int main(int argc, char **argv)
{
    const char *host, *port, *ca_file, *crl_file = NULL, *server_name;
    mbedtls_net_context net;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crl crl;
    mbedtls_ssl_context ssl;
    char info[4096] = ""; /* flags 0: Mbed TLS writes nothing */
    uint32_t flags;
    int ret, status = 1, lines = 0, i;

    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT CA_FILE [CRL_FILE] SERVER_NAME\n", argv[0]);
        return 2;
    }
    host = argv[1];
    port = argv[2];
    ca_file = argv[3];
    if (argc == 6) {
        crl_file = argv[4];
    }
    server_name = argv[argc - 1];

    mbedtls_net_init(&net);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crl_init(&crl);
    mbedtls_ssl_init(&ssl);

    /* The steps of the guide, as SslConfig/SslContext perform them. */
    if ((ret = mj_crypto_init()) != 0) {
        fail("psa_crypto_init", ret);
        goto exit;
    }
    if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                     (const unsigned char *) "verify_client", 13)) != 0) {
        fail("mbedtls_ctr_drbg_seed", ret);
        goto exit;
    }
    if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        fail("mbedtls_ssl_config_defaults", ret);
        goto exit;
    }
    (void) mj_conf_tls_version(&conf, MJ_TLS1_2, 1); /* SslConfig.defaults() does the same */
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    if ((ret = mbedtls_x509_crt_parse_file(&ca, ca_file)) < 0) {
        fail("mbedtls_x509_crt_parse_file", ret);
        goto exit;
    }
    if (crl_file != NULL && (ret = mbedtls_x509_crl_parse_file(&crl, crl_file)) != 0) {
        fail("mbedtls_x509_crl_parse_file", ret);
        goto exit;
    }
    mbedtls_ssl_conf_ca_chain(&conf, &ca, crl_file != NULL ? &crl : NULL);
    if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0) {
        fail("mbedtls_ssl_setup", ret);
        goto exit;
    }
    if ((ret = mbedtls_ssl_set_hostname(&ssl, server_name)) != 0) {
        fail("mbedtls_ssl_set_hostname", ret);
        goto exit;
    }
    if ((ret = mbedtls_net_connect(&net, host, port, MBEDTLS_NET_PROTO_TCP)) != 0) {
        fail("mbedtls_net_connect", ret);
        goto exit;
    }
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
    do {
        ret = mbedtls_ssl_handshake(&ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);

    flags = mbedtls_ssl_get_verify_result(&ssl);
    if (mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) < 0) {
        info[0] = '\0';
    }
    for (i = 0; info[i] != '\0'; i++) {
        lines += info[i] == '\n';
    }
    if (info[0] != '\0' && info[strlen(info) - 1] != '\n') {
        lines++;
    }
    print_code("handshake_ret", ret);
    printf("flags=0x%08X\n", (unsigned int) flags);
    printf("verify_info_lines=%d\n", lines);
    fputs(info, stdout);
    if (ret == 0) {
        (void) mbedtls_ssl_close_notify(&ssl);
    }
    status = 0;

exit:
    mbedtls_ssl_free(&ssl);
    mbedtls_x509_crl_free(&crl);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    mbedtls_net_free(&net);
#if MJ_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    mbedtls_psa_crypto_free();
#endif
    return status;
}
