/* libFuzzer: mbedtls_pk_parse_key without a password (PkContext.parseKey), then the key's name
 * and size. Encrypted keys stop at PASSWORD_REQUIRED, before any (input-controlled, possibly
 * huge) key-derivation iteration count. */
#include "fuzz_common.h"
#include "mbedtls/pk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mbedtls_pk_context pk;
    int ret;

    mj_fuzz_init();
    mbedtls_pk_init(&pk);
#if MBEDTLS_VERSION_MAJOR >= 3
    ret = mbedtls_pk_parse_key(&pk, data, size, NULL, 0, mj_fuzz_rng, NULL);
#else
    ret = mbedtls_pk_parse_key(&pk, data, size, NULL, 0);
#endif
    if (ret == 0) {
        (void) mbedtls_pk_get_name(&pk);
        (void) mbedtls_pk_get_bitlen(&pk);
    }
    mbedtls_pk_free(&pk);
    return 0;
}
