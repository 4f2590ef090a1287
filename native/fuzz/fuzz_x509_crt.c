/* libFuzzer: what X509Crt does with untrusted bytes — mbedtls_x509_crt_parse (PEM or DER), then
 * mbedtls_x509_crt_info, mbedtls_x509_dn_gets of subject and issuer, and a verification of the
 * chain against itself (X509Crt.parse/info/subject/issuer/verify). */
#include "fuzz_common.h"
#include "mbedtls/x509_crt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mbedtls_x509_crt crt;
    char buf[4096];
    uint32_t flags = 0;

    mj_fuzz_init();
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse(&crt, data, size) >= 0) {
        for (const mbedtls_x509_crt *c = &crt; c != NULL && c->raw.len != 0; c = c->next) {
            (void) mbedtls_x509_crt_info(buf, sizeof buf, "", c);
            (void) mbedtls_x509_dn_gets(buf, sizeof buf, &c->subject);
            (void) mbedtls_x509_dn_gets(buf, sizeof buf, &c->issuer);
        }
        (void) mbedtls_x509_crt_verify(&crt, &crt, NULL, "localhost", &flags, NULL, NULL);
        (void) mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags);
    }
    mbedtls_x509_crt_free(&crt);
    return 0;
}
