package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.CsrBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing with an {@link X509ExtensionCallback}: what the callback sees, what its answer does
 * (accept, refuse a critical or a non-critical extension), a callback that throws or answers a
 * positive number, one that re-enters the object being parsed, and one kept and called after
 * close; certificates (3.6 and 2.28) and requests (3.6; refused on 2.28). Nothing leaks.
 */
class X509ExtensionCallbackTest {
    private static final String OID = CertBuilder.UNKNOWN_EXTENSION_OID;
    private static final byte[] OID_DER = {0x2B, 0x06, 0x01, 0x04, 0x01, (byte) 0x83, (byte) 0xB2, 0x03, 0x01, 0x01};
    private static final byte[] VALUE = {0x04, 0x03, 'a', 'b', 'c'}; // an OCTET STRING as the extension's value

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir.resolve("ec"), KeyType.EC_P256);
    }

    private static byte[] cert(boolean critical) {
        return pki.serverCert().extension(OID, critical, VALUE).issuedBy(pki.intermediate()).der();
    }

    private static byte[] csr(boolean critical) {
        return CsrBuilder.subject("CN=ext").extension(OID, critical, VALUE).buildDer();
    }

    /** The code the suite's own reject callback returns: INVALID_EXTENSIONS + UNEXPECTED_TAG, as Mbed TLS gives for an unknown critical extension. */
    private static int rejectCode() {
        try (X509Crt crt = new X509Crt()) {
            return assertThrows(X509ParseException.class, () -> crt.parseDer(cert(true))).code();
        }
    }

    @Test
    void theCallbackSeesTheExtensionAndItsAnswerDecides() {
        int reject = rejectCode();
        List<String> seen = new ArrayList<>();
        try (X509Crt crt = new X509Crt()) {
            crt.parseDer(cert(true), (oid, der, critical, value) -> {
                seen.add(oid + " " + critical);
                if (oid.equals(OID)) {
                    assertArrayEquals(OID_DER, der);
                    assertArrayEquals(VALUE, value);
                }
                return 0;
            });
            assertEquals(1, crt.size(), "accepted: the critical extension no longer fails the parse");
            if (MbedTlsVersions.is2()) {
                // 2.28 has no parser for the key identifiers either: the callback is asked about them too.
                assertEquals(List.of("2.5.29.14 false", "2.5.29.35 false", OID + " true"), seen);
            } else {
                assertEquals(List.of(OID + " true"), seen);
            }
            X509ParseException e = assertThrows(X509ParseException.class, () -> crt.parseDer(cert(true), (o, d, c, v) -> reject - 1));
            assertEquals(reject - 1, e.code(), "a refused critical extension fails with the callback's code");
            assertEquals("mbedtls_x509_crt_parse_der_with_ext_cb", e.function());
            crt.parseDer(cert(false), (o, d, c, v) -> reject);
            assertEquals(2, crt.size(), "Mbed TLS skips a refused non-critical extension");
        }
    }

    @Test
    void aCallbackThatThrowsFailsTheParseWithItsExceptionAsCauseAndAddsNothing() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        RuntimeException boom = new IllegalStateException("boom");
        try (X509Crt crt = new X509Crt()) {
            crt.parseDer(pki.leaf().der());
            for (boolean critical : new boolean[] {true, false}) {
                X509ParseException e = assertThrows(X509ParseException.class, () -> crt.parseDer(cert(critical), (o, d, c, v) -> {
                    throw boom;
                }));
                assertSame(boom, e.getCause(), "critical " + critical);
                assertEquals("MBEDTLS_ERR_X509_FATAL_ERROR", e.errorName());
                assertEquals(1, crt.size(), "nothing appended, also where Mbed TLS accepted (non-critical)");
                assertEquals(pki.leaf().der().length, crt.der(0).length, "the certificate before is untouched");
            }
            X509ParseException positive = assertThrows(X509ParseException.class, () -> crt.parseDer(cert(true), (o, d, c, v) -> 1));
            assertTrue(positive.getCause() instanceof IllegalArgumentException, String.valueOf(positive.getCause()));
        }
        try (X509Crt empty = new X509Crt()) { // the dropped certificate is the head of the chain
            assertThrows(X509ParseException.class, () -> empty.parseDer(cert(false), (o, d, c, v) -> {
                throw boom;
            }));
            assertEquals(0, empty.size());
            empty.parseDer(cert(false));
            assertEquals(1, empty.size());
        }
        assertEquals(null, LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)));
    }

    @Test
    void reEnteringTheObjectBeingParsedIsRefusedAndFailsTheParse() {
        try (X509Crt crt = new X509Crt(); X509Crt other = X509Crt.of(pki.leaf().der())) {
            X509ParseException read = assertThrows(X509ParseException.class, () -> crt.parseDer(cert(true), (o, d, c, v) -> crt.size()));
            assertTrue(read.getCause() instanceof IllegalStateException, String.valueOf(read.getCause()));
            assertTrue(read.getCause().getMessage().contains("being parsed into by this thread"), read.getCause().getMessage());
            X509ParseException append = assertThrows(X509ParseException.class, () -> crt.parseDer(cert(true), (o, d, c, v) -> {
                crt.parseDer(pki.leaf().der());
                return 0;
            }));
            assertTrue(append.getCause() instanceof IllegalStateException);
            crt.parseDer(cert(true), (o, d, c, v) -> other.size() == 1 ? 0 : -1); // another object: fine
            assertEquals(1, crt.size());
        }
    }

    @Test
    void aCallbackKeptAndCalledAfterCloseTouchesNothingNative() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        AtomicReference<X509ExtensionCallback> kept = new AtomicReference<>();
        X509Crt crt = new X509Crt();
        X509ExtensionCallback reader = (o, d, c, v) -> crt.size();
        crt.parseDer(cert(true), (o, d, c, v) -> {
            crt.close(); // the parse holds the memory until it returns; then it is freed
            kept.set(reader);
            return 0;
        });
        assertTrue(crt.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> kept.get().extension(OID, OID_DER, true, VALUE));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> crt.parseDer(cert(true), reader));
        assertEquals(null, LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "freed once the parse returned");
    }

    @Test
    void requestsTakeTheCallbackOn36AndRefuseItOn228() {
        if (MbedTlsVersions.is2()) {
            try (X509Csr csr = new X509Csr()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> csr.parseDer(csr(true), (o, d, c, v) -> 0));
                assertTrue(e.getMessage().contains("not in this build"), e.getMessage());
                csr.parseDer(csr(false)); // without the callback, 2.28 ignores the attribute
                assertEquals("CN=ext", csr.subject());
            }
            Assumptions.abort("Mbed TLS 2.28 has no mbedtls_x509_csr_parse_der_with_ext_cb: refused as checked above");
        }
        try (X509Csr plain = new X509Csr()) {
            X509ParseException e = assertThrows(X509ParseException.class, () -> plain.parseDer(csr(true)));
            assertFalse(plain.isParsed());
            List<String> seen = new ArrayList<>();
            plain.parseDer(csr(true), (oid, der, critical, value) -> {
                seen.add(oid);
                assertTrue(critical);
                assertArrayEquals(VALUE, value);
                return 0;
            });
            assertEquals(List.of(OID), seen);
            assertTrue(e.code() < 0);
        }
        try (X509Csr csr = new X509Csr()) {
            RuntimeException boom = new RuntimeException("boom");
            X509ParseException e = assertThrows(X509ParseException.class, () -> csr.parseDer(csr(false), (o, d, c, v) -> {
                throw boom;
            }));
            assertSame(boom, e.getCause());
            assertFalse(csr.isParsed(), "dropped although Mbed TLS skips a non-critical extension");
            X509ParseException reenter = assertThrows(X509ParseException.class, () -> csr.parseDer(csr(true), (o, d, c, v) -> {
                csr.subject();
                return 0;
            }));
            assertTrue(reenter.getCause() instanceof IllegalStateException);
            X509ParseException refused = assertThrows(X509ParseException.class, () -> csr.parseDer(csr(true), (o, d, c, v) -> -0x2500));
            assertEquals(-0x2500, refused.code());
            csr.parseDer(csr(true), (o, d, c, v) -> 0);
            assertEquals("CN=ext", csr.subject());
        }
    }

    /** OID_DER, which the callback must be given, is Bouncy Castle's encoding of OID without tag and length. */
    @Test
    void theRawOidIsTheContentsOfTheOidsDer() throws Exception {
        assertArrayEquals(OID_DER, java.util.Arrays.copyOfRange(new org.bouncycastle.asn1.ASN1ObjectIdentifier(OID).getEncoded(), 2, 12));
    }
}
