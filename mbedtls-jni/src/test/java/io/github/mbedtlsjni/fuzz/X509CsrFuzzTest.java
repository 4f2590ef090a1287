package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.X509Csr;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes CSR parsing through the binding ({@code mbedtls_x509_csr_parse}, PEM or DER), then every
 * reader, and the parse with an extension callback (3.6); see {@link FuzzTests}.
 */
class X509CsrFuzzTest {
    @BeforeAll
    static void seeds() {
        FuzzSeeds.write(X509CsrFuzzTest.class, "parseCsr", FuzzSeeds.csrs());
    }

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void parseCsr(byte[] data) {
        try (X509Csr csr = new X509Csr()) {
            try {
                csr.parse(data);
            } catch (MbedTlsException expected) {
                return;
            }
            read(csr);
        }
        if (X509Csr.hasExtensions()) {
            // The callback path: the glue copies each unknown extension's OID and value for Java.
            try (X509Csr csr = new X509Csr()) {
                csr.parseDer(data, (oid, der, critical, value) -> value.length % 2 == 0 ? 0 : -1);
                read(csr);
            } catch (MbedTlsException expected) {
                // not DER (a PEM input), or refused by Mbed TLS or the callback
            }
        }
    }

    private static void read(X509Csr csr) {
        csr.version();
        csr.publicKeyType();
        csr.publicKeyBits();
        csr.signatureAlgorithm();
        csr.der();
        csr.certificationRequestInfo();
        csr.signature();
        if (X509Csr.hasExtensions()) {
            csr.keyUsage();
            csr.nsCertType();
            csr.extensionTypes();
            try {
                csr.subjectAltNames();
            } catch (MbedTlsException expected) {
                // an entry Mbed TLS kept but cannot parse
            }
        }
        try {
            csr.subjectAttributes();
        } catch (MbedTlsException expected) {
            // an attribute type Mbed TLS kept but cannot write dotted
        }
        try {
            csr.subject();
            csr.info();
        } catch (MbedTlsException expected) {
            // a DN mbedtls_x509_dn_gets refuses to print (see X509CrtFuzzTest)
        }
    }
}
