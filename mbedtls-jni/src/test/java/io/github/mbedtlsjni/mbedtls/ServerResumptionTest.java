package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A thin server's session cache ({@link SslCache}, {@code mbedtls_ssl_conf_session_cache}) and
 * session tickets ({@link SslTicket}): {@code openssl s_client -sess_out} then {@code -sess_in}
 * resumes over TLS 1.2 with the cache, over TLS 1.2 and 1.3 with tickets, and makes a full
 * handshake with neither.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerResumptionTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /**
     * Two s_client runs, the second offering the first's session; s_client's report of the
     * second. (Mbed TLS decides whether to resume; s_client reports it: "Reused" or "New", and
     * the server's SslContext.isResumed() must agree with it on both visits.)
     */
    private String secondVisit(GuideServer server, String name) throws Exception {
        return secondVisit(server, name, "1.2");
    }

    private String secondVisit(GuideServer server, String name, String version) throws Exception {
        Path session = dir.resolve(name + ".session");
        String[] common = {"s_client", "-tls" + version.replace('.', '_'), "-connect", "127.0.0.1:" + server.port(), "-CAfile",
                pki.rootPem().toString(), "-ign_eof"};
        var first = server.serveOne("first visit\n");
        OpenSsl.Result one = OpenSsl.run(HANG, concat(common, "-sess_out", session.toString()));
        assertFalse(first.get(HANG.toSeconds(), TimeUnit.SECONDS).resumed(), "a first visit is a full handshake");
        assertTrue(one.output().contains("New, TLSv" + version), one.output());
        var second = server.serveOne("second visit\n");
        OpenSsl.Result two = OpenSsl.run(HANG, concat(common, "-sess_in", session.toString()));
        boolean resumed = second.get(HANG.toSeconds(), TimeUnit.SECONDS).resumed();
        assertTrue(two.output().contains("second visit"), two.output());
        assertEquals(two.output().contains("Reused, TLSv" + version), resumed, "the server's isResumed() agrees with s_client");
        return two.output();
    }

    @Test
    void aCachedSessionIsResumed() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        try (GuideServer server = GuideServer.prepare(pki)) {
            SslCache cache = server.own(new SslCache());
            cache.setMaxEntries(10);
            cache.setTimeout(300);
            server.config.setSessionCache(cache);
            server.listen();
            String output = secondVisit(server, "cached");
            assertTrue(output.contains("Reused, TLSv1.2"), output);
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "the cache is freed with the server");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void aTicketIsResumedWithoutACache(String version) throws Exception {
        if (version.equals("1.3")) {
            MbedTlsVersions.assumeTls13();
        }
        Map<String, Long> before = LiveObjects.settle();
        try (GuideServer server = GuideServer.prepare(pki)) {
            SslTicket ticket = server.own(new SslTicket());
            ticket.setup(server.drbg, 3600);
            server.config.setSessionTickets(ticket);
            if (version.equals("1.3")) {
                server.config.setTls13TicketCount(2);
            }
            server.listen();
            String output = secondVisit(server, "ticket-" + version, version);
            assertTrue(output.contains("Reused, TLSv" + version), output);
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "the ticket keys are freed with the server");
    }

    @Test
    void withoutACacheTheSecondVisitIsAFullHandshake() throws Exception {
        try (GuideServer server = GuideServer.prepare(pki).listen()) {
            String output = secondVisit(server, "uncached");
            assertTrue(output.contains("New, TLSv1.2"), output);
        }
    }

    @Test
    void onlyAServerHasACache() {
        try (SslConfig config = new SslConfig(); SslCache cache = new SslCache()) {
            config.defaults();
            assertThrows(IllegalStateException.class, () -> config.setSessionCache(cache));
            assertThrows(IllegalArgumentException.class, () -> cache.setMaxEntries(-1));
            assertThrows(IllegalArgumentException.class, () -> cache.setTimeout(-1));
            try (SslTicket ticket = new SslTicket()) {
                assertThrows(IllegalStateException.class, () -> config.setSessionTickets(ticket));
                assertThrows(IllegalStateException.class, () -> config.setTls13TicketCount(1));
            }
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
