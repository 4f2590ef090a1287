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
            int n = crl.size();
            for (int i = 0; i < n; i++) {
                // Every reader: the glue walks Mbed TLS's entry list and reads each entry's raw
                // extensions itself (the reason code), which is what the fuzzer is here to break.
                crl.version(i);
                crl.thisUpdate(i);
                crl.nextUpdate(i);
                crl.signatureAlgorithm(i);
                crl.entries(i);
                try {
                    crl.issuer(i);
                } catch (MbedTlsException expected) {
                    // a DN mbedtls_x509_dn_gets refuses to print (see X509CrtFuzzTest)
                }
                try {
                    crl.info(i);
                } catch (MbedTlsException expected) {
                    // mbedtls_x509_crl_info prints the same DN
                }
            }
        }
    }
}
