package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes certificate parsing through the binding ({@code mbedtls_x509_crt_parse}, PEM or DER),
 * then every accessor of what was parsed ({@code mbedtls_x509_crt_info}, the DNs, the DER) and a
 * verification of the chain against itself. The only acceptable failure is an
 * {@link MbedTlsException}; anything else, or a JVM crash, is a finding. See {@link FuzzTests}
 * for how it runs.
 */
class X509CrtFuzzTest {
    @BeforeAll
    static void seeds() {
        FuzzSeeds.write(X509CrtFuzzTest.class, "parseCertificate", FuzzSeeds.certificates());
    }

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void parseCertificate(byte[] data) {
        try (X509Crt crt = new X509Crt()) {
            try {
                crt.parse(data);
            } catch (MbedTlsException expected) {
                return;
            }
            int n = crt.size();
            for (int i = 0; i < n; i++) {
                crt.der(i);
                // A certificate can parse yet have a DN that mbedtls_x509_dn_gets refuses to
                // print, e.g. a NUL inside the CN (found by this test: crash-nul-in-subject-cn):
                // an MbedTlsException (MBEDTLS_ERR_X509_INVALID_NAME) is the documented outcome.
                try {
                    crt.subject(i);
                } catch (MbedTlsException expected) {
                    // as above
                }
                try {
                    crt.issuer(i);
                } catch (MbedTlsException expected) {
                    // as above
                }
                try {
                    crt.info(i);
                } catch (MbedTlsException expected) {
                    // mbedtls_x509_crt_info prints the same DNs
                }
                // The per-certificate readers: each reads what the parser kept, through the
                // glue's own copying, which is what the fuzzer is here to break.
                crt.serial(i);
                crt.version(i);
                crt.signatureAlgorithm(i);
                crt.publicKeyType(i);
                crt.publicKeyBits(i);
                crt.isCa(i);
                crt.maxPathLength(i);
                crt.keyUsage(i);
                crt.extensionTypes(i);
                crt.checkKeyUsage(i, X509Crt.KU_DIGITAL_SIGNATURE);
                crt.checkExtendedKeyUsage(i, "1.3.6.1.5.5.7.3.1");
                crt.tbs(i);
                crt.signature(i);
                try {
                    crt.subjectAltNames(i);
                } catch (MbedTlsException expected) {
                    // an entry the parser kept but mbedtls_x509_parse_subject_alt_name refuses
                }
                try {
                    crt.subjectAttributes(i);
                    crt.issuerAttributes(i);
                    crt.extendedKeyUsages(i);
                } catch (MbedTlsException expected) {
                    // an OID the parser kept but Mbed TLS cannot write dotted
                }
                if (X509Crt.hasKeyIdentifiers()) {
                    crt.subjectKeyIdentifier(i);
                    try {
                        crt.authorityKeyIdentifier(i);
                    } catch (MbedTlsException expected) {
                        // an authorityCertIssuer entry the parser kept but cannot parse as a name
                    }
                }
            }
            try {
                crt.verify(crt, null, null);
            } catch (MbedTlsException expected) {
                // a verification error code (not a flag) is a documented outcome
            }
        }
    }
}
