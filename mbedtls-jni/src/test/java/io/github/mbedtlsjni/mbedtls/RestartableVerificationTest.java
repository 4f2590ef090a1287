package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.mbedtlsjni.testing.MbedTlsVersions;
import org.junit.jupiter.api.Test;

/**
 * Restartable verification ({@code mbedtls_x509_crt_verify_restartable}) is not offered: the
 * binding's builds leave {@code MBEDTLS_ECP_RESTARTABLE} off (docs/x509.md says why). This
 * asserts what the linked Mbed TLS reports, so turning it on breaks this test on purpose.
 */
class RestartableVerificationTest {
    @Test
    void theBindingsBuildsLeaveEcpRestartableOff() {
        assumeFalse(MbedTlsVersions.isSystem(), "the system's Mbed TLS has its own configuration");
        assertTrue(MbedTls.hasFeature("MBEDTLS_ECP_C"), "the feature query works: ECP is on");
        assertFalse(MbedTls.hasFeature("MBEDTLS_ECP_RESTARTABLE"),
                "mbedtls_ecp_set_max_ops is process-wide and would interrupt every ECC operation of every thread");
        assertFalse(MbedTls.hasFeature("ECP_RESTARTABLE"), "same answer without the prefix");
    }
}
