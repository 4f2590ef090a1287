package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.mbedtls.X509Csr;
import io.github.mbedtlsjni.testing.CsrBuilder;
import io.github.mbedtlsjni.testing.JdkRefused;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code x509 info FILE [--json]} of the packaged CLI, as a subprocess, on files generated here:
 * a PEM chain, a DER CRL, PEM and DER CSRs, a certificate the JDK refuses but Mbed TLS reads, and
 * garbage. The text is Mbed TLS's own info as this JVM's binding gets it; the JSON its fields.
 */
class X509InfoIT {
    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir.resolve("ec"), KeyType.EC_P256);
    }

    private static CliRun cli(String... args) throws Exception {
        return CliRun.of(dir, args);
    }

    @Test
    void aPemChainPrintsMbedTlsInfoOfEachCertificate() throws Exception {
        Path chain = Files.writeString(dir.resolve("chain.pem"), pki.leaf().pem() + pki.intermediate().pem());
        CliRun run = cli("x509", "info", chain.toString());
        assertEquals(0, run.status(), run.toString());
        try (X509Crt crt = X509Crt.of(Files.readAllBytes(chain))) {
            assertEquals("[0]\n" + crt.info(0) + "[1]\n" + crt.info(1), run.out());
            CliRun json = cli("x509", "info", chain.toString(), "--json");
            assertEquals(0, json.status(), json.toString());
            Map<String, Object> j = json.json();
            assertEquals("certificates", j.get("kind"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> certs = (List<Map<String, Object>>) j.get("certificates");
            assertEquals(2, certs.size());
            assertEquals(crt.subject(0), certs.get(0).get("subject"));
            assertEquals(crt.issuer(0), certs.get(0).get("issuer"));
            assertEquals("EC", certs.get(0).get("key_type"));
            assertEquals(true, certs.get(1).get("ca"));
            assertEquals(crt.extendedKeyUsages(0), certs.get(0).get("extended_key_usage"));
            if (X509Crt.hasKeyIdentifiers()) {
                for (int i = 0; i < 2; i++) {
                    byte[] ski = crt.subjectKeyIdentifier(i);
                    assertEquals(ski == null ? null : java.util.HexFormat.of().withUpperCase().formatHex(ski), certs.get(i).get("subject_key_id"));
                    io.github.mbedtlsjni.mbedtls.AuthorityKeyIdentifier aki = crt.authorityKeyIdentifier(i);
                    assertEquals(aki == null || aki.keyIdentifier() == null ? null
                            : java.util.HexFormat.of().withUpperCase().formatHex(aki.keyIdentifier()), certs.get(i).get("authority_key_id"));
                }
            } else {
                assertFalse(certs.get(0).containsKey("subject_key_id"), "not kept by this Mbed TLS");
            }
        }
    }

    @Test
    void aCertificateTheJdkRefusesIsReadAsMbedTlsReadsIt() throws Exception {
        byte[] der = JdkRefused.EMPTY_SERIAL.leaf(pki);
        assertThrows(CertificateException.class,
                () -> CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)));
        Path file = Files.write(dir.resolve("empty-serial.der"), der);
        CliRun run = cli("x509", "info", file.toString(), "--json");
        assertEquals(0, run.status(), run.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> cert = ((List<Map<String, Object>>) run.json().get("certificates")).get(0);
        assertEquals("", cert.get("serial"), "the empty serial Mbed TLS accepts");
        try (X509Crt crt = X509Crt.of(der)) {
            assertEquals(crt.subject(0), cert.get("subject"));
            assertEquals(crt.info(0), cli("x509", "info", file.toString()).out());
        }
    }

    @Test
    void aDerCrlAndCsrsAreDetected() throws Exception {
        Path crl = Files.write(dir.resolve("crl.der"), pki.crl().der());
        CliRun crlRun = cli("x509", "info", crl.toString(), "--json");
        assertEquals(0, crlRun.status(), crlRun.toString());
        assertEquals("crls", crlRun.json().get("kind"));
        try (X509Crl list = new X509Crl()) {
            list.parse(pki.crl().der());
            assertEquals(list.info(0), cli("x509", "info", crl.toString()).out());
        }
        CsrBuilder builder = CsrBuilder.subject("CN=device.example").dnsSan("device.example");
        Path csrPem = Files.writeString(dir.resolve("req.pem"), builder.buildPem());
        Path csrDer = Files.write(dir.resolve("req.der"), builder.buildDer());
        for (Path p : List.of(csrPem, csrDer)) {
            CliRun run = cli("x509", "info", p.toString(), "--json");
            assertEquals(0, run.status(), run.toString());
            Map<String, Object> j = run.json();
            assertEquals("csr", j.get("kind"));
            assertEquals("CN=device.example", j.get("subject"));
            if (X509Csr.hasExtensions()) {
                assertEquals(List.of("DNS_NAME:device.example"), j.get("subject_alt_names"));
            }
            try (X509Csr csr = X509Csr.of(Files.readAllBytes(p))) {
                assertEquals(csr.info(), cli("x509", "info", p.toString()).out());
            }
        }
    }

    @Test
    void badFilesAndOptionsAreOneLineAndExit64() throws Exception {
        Path garbage = Files.write(dir.resolve("garbage.bin"), new byte[] {0x30, 0x03, 1, 2, 3});
        CliRun bad = cli("x509", "info", garbage.toString());
        assertEquals(64, bad.status(), bad.toString());
        assertTrue(bad.err().contains("Mbed TLS cannot parse it: MBEDTLS_ERR_X509_"), bad.err());
        assertTrue(bad.err().contains("-0x"), bad.err());
        assertEquals(1, bad.err().strip().split("\n").length, bad.err());
        CliRun missing = cli("x509", "info", dir.resolve("nope.pem").toString());
        assertEquals(64, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
        CliRun option = cli("x509", "info", garbage.toString(), "--bogus");
        assertEquals(64, option.status());
        assertEquals(1, option.err().strip().split("\n").length, option.err());
        assertEquals(64, cli("x509").status());
    }
}
