package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import org.junit.jupiter.api.BeforeAll;

/** Fuzzes CRL parsing through the binding ({@code mbedtls_x509_crl_parse}, PEM or DER); see {@link FuzzTests}. */
class X509CrlFuzzTest {
    @BeforeAll
    static void seeds() {
        FuzzSeeds.write(X509CrlFuzzTest.class, "parseCrl", FuzzSeeds.crls());
    }

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void parseCrl(byte[] data) {
        try (X509Crl crl = new X509Crl()) {
            try {
                crl.parse(data);
            } catch (MbedTlsException expected) {
                return;
            }
            crl.size();
        }
    }
}
