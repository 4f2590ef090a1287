/* libFuzzer: mbedtls_x509_crl_parse (PEM or DER) and mbedtls_x509_crl_info (X509Crl.parse). */
#include "fuzz_common.h"
#include "mbedtls/x509_crl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mbedtls_x509_crl crl;
    char buf[4096];

    mj_fuzz_init();
    mbedtls_x509_crl_init(&crl);
    if (mbedtls_x509_crl_parse(&crl, data, size) == 0) {
        (void) mbedtls_x509_crl_info(buf, sizeof buf, "", &crl);
    }
    mbedtls_x509_crl_free(&crl);
    return 0;
}
