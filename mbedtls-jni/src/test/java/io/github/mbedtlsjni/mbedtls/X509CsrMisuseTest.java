package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CsrBuilder;
import io.github.mbedtlsjni.testing.LiveObjects;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link X509Csr} misused: null, empty, oversized and garbage input, files that are not there,
 * use after close, double close; each a clear exception, no crash, and no native object left.
 */
class X509CsrMisuseTest {
    @TempDir
    Path dir;

    @Test
    void badInputIsRefusedClearlyAndLeavesNothingAllocated() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        byte[] good = CsrBuilder.subject("CN=good").buildDer();
        Random random = new Random(42);
        try (X509Csr csr = new X509Csr()) {
            assertThrows(NullPointerException.class, () -> csr.parse(null));
            assertThrows(NullPointerException.class, () -> csr.parseDer(null));
            assertThrows(NullPointerException.class, () -> csr.parseFile(null));
            X509ParseException empty = assertThrows(X509ParseException.class, () -> csr.parse(new byte[0]));
            assertTrue(empty.code() < 0);
            byte[] big = new byte[8 << 20];
            random.nextBytes(big);
            assertThrows(X509ParseException.class, () -> csr.parse(big));
            assertThrows(X509ParseException.class, () -> csr.parseDer(big));
            for (int i = 0; i < 500; i++) {
                byte[] garbage = good.clone();
                garbage[random.nextInt(garbage.length)] ^= (byte) (1 + random.nextInt(255));
                try (X509Csr one = new X509Csr()) {
                    one.parseDer(garbage);
                    one.info(); // a flipped byte Mbed TLS still accepts reads like any other
                } catch (MbedTlsException refused) {
                    assertTrue(refused.code() < 0);
                }
            }
            byte[] pemGarbage = "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n"
                    .getBytes(StandardCharsets.US_ASCII);
            X509ParseException pem = assertThrows(X509ParseException.class, () -> csr.parse(pemGarbage));
            assertTrue(pem.errorName().startsWith("MBEDTLS_ERR_PEM_"), pem.getMessage());
            assertThrows(UncheckedIOException.class, () -> csr.parseFile(dir.resolve("missing.csr")));
            assertThrows(UncheckedIOException.class, () -> csr.parseFile(dir));
            Path bad = Files.write(dir.resolve("bad.csr"), new byte[] {0x30, 0x03, 1, 2, 3});
            X509ParseException file = assertThrows(X509ParseException.class, () -> csr.parseFile(bad));
            assertTrue(file.getMessage().contains("bad.csr"), file.getMessage());
            assertFalse(csr.isParsed(), "every failure left it empty");
            csr.parseDer(good);
            assertEquals("CN=good", csr.subject());
        }
        assertEquals(null, LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)));
    }

    @Test
    void useAfterCloseIsRefusedAndCloseIsIdempotent() {
        X509Csr csr = X509Csr.of(CsrBuilder.subject("CN=closed").buildDer());
        csr.close();
        csr.close();
        assertTrue(csr.isClosed());
        for (Runnable call : new Runnable[] {csr::subject, csr::subjectAttributes, csr::info, csr::der, csr::version,
            csr::isParsed, () -> csr.parse(new byte[1]), () -> csr.parseDer(new byte[1], (o, d, c, v) -> 0)}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }
}
