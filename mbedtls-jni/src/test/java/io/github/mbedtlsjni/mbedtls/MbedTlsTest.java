package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The linked library: version, features, error texts, exported symbols, loading. */
class MbedTlsTest {
    @Test
    void versionIsTheOneTheBuildWasAskedFor() {
        // What CMake found (the headers it compiled against) is what runs (the linked library).
        Properties built = MbedTlsVersions.buildInfo();
        String version = built.getProperty("Mbed-TLS-Version");
        assertEquals(version, MbedTls.version());
        String[] parts = version.split("\\.");
        int number = Integer.parseInt(parts[0]) << 24 | Integer.parseInt(parts[1]) << 16 | Integer.parseInt(parts[2]) << 8;
        assertEquals(number, MbedTls.versionNumber());
        assertEquals(built.getProperty("Mbed-TLS-Source"), MbedTls.buildSource());
        assertEquals(built.getProperty("Mbed-TLS-Config"), MbedTls.buildConfig());

        // And it is what the build was asked for: -Dmbedtls.version (any installed one with
        // -Dmbedtls.system=true unless a version is given too), -Dmbedtls.source, -Dmbedtls.system.
        String requested = System.getProperty("mbedtlsjni.expected.version", "");
        if (!requested.isEmpty()) {
            assertEquals(requested, MbedTls.version());
        }
        String source = Boolean.getBoolean("mbedtlsjni.system") ? "system"
                : System.getProperty("mbedtlsjni.expected.source", "").isEmpty() ? "pinned" : "user";
        assertEquals(source, MbedTls.buildSource());
    }

    @Test
    void featureQueriesReflectTheBuildConfiguration() {
        assertTrue(MbedTls.hasFeature("MBEDTLS_SSL_CLI_C"));
        assertTrue(MbedTls.hasFeature("THREADING_C"), "the prefix may be omitted");
        assertTrue(MbedTls.hasFeature("MBEDTLS_X509_CRL_PARSE_C"));
        assertTrue(MbedTls.hasFeature("MBEDTLS_DEBUG_C"));
        assertFalse(MbedTls.hasFeature("MBEDTLS_NO_SUCH_FEATURE"));
        if (MbedTlsVersions.isSystem()) {
            // The system's configuration, not native/mbedtls_jni_config.h: Debian's, for one,
            // keeps the server side (and, on 2.28, TLS 1.0 and 1.1, which SslConfig.defaults() turns off).
            return;
        }
        if (MbedTls.buildConfig().contains("mbedtls_jni_config.h")) { // the project's config, not a user's
            assertTrue(MbedTls.hasFeature("MBEDTLS_SSL_SRV_C"), "servers: TLS and DTLS");
            assertTrue(MbedTls.hasFeature("MBEDTLS_SSL_PROTO_DTLS"));
            assertTrue(MbedTls.hasFeature("MBEDTLS_SSL_COOKIE_C"));
            assertTrue(MbedTls.hasFeature("MBEDTLS_SSL_CONTEXT_SERIALIZATION"));
            // RFC 9146's CID only on 3.x; 2.28's draft CID stays off, so 2.28 never claims RFC 9146.
            assertEquals(MbedTlsVersions.is3(), MbedTls.hasFeature("MBEDTLS_SSL_DTLS_CONNECTION_ID"));
        }
        // TLS 1.3: in 3.6's default configuration; 2.28 has none (only an experimental prototype, off).
        assertEquals(MbedTlsVersions.byLine(false, true), MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3"));
        assertEquals(MbedTlsVersions.byLine(true, false), MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_1"),
                "2.28 still compiles TLS 1.1 in by default; 3.x removed it");
    }

    @Test
    void errorTextsComeFromMbedTls() {
        assertTrue(MbedTls.errorText(-0x2700).contains("Certificate verification failed"));
        MbedTlsException e = new MbedTlsException(-0x7780, "mbedtls_ssl_handshake", MbedTls.errorText(-0x7780));
        assertEquals("mbedtls_ssl_handshake: -0x7780 SSL - A fatal alert message was received from our peer", e.getMessage());
    }

    @Test
    void onlyJniEntryPointsAreExported() throws Exception {
        Path lib = Path.of(System.getProperty("mbedtlsjni.native.dir"), "linux_64", "libmbedtlsjni.so");
        assertTrue(Files.isRegularFile(lib), lib::toString);
        Process nm = new ProcessBuilder("nm", "-D", "--defined-only", lib.toString()).redirectErrorStream(true).start();
        List<String> symbols = new ArrayList<>();
        for (String line : new String(nm.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                symbols.add(f[2]);
            }
        }
        assertEquals(0, nm.waitFor());
        assertTrue(symbols.contains("Java_io_github_mbedtlsjni_mbedtls_SslContext_nHandshake"), symbols::toString);
        List<String> others = symbols.stream().filter(s -> !s.startsWith("Java_") && !s.startsWith("JNI_On")).toList();
        assertEquals(List.of(), others, "symbols other than JNI entry points are exported");
        assertFalse(symbols.stream().anyMatch(s -> s.startsWith("mbedtls_")));
    }

    @Test
    void aFailedLoadNamesThePlatformTheLibraryAndWhatWasTried() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dmbedtlsjni.library=/nonexistent/libmbedtlsjni.so", Probe.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(out.contains("UnsatisfiedLinkError"), out);
        assertTrue(out.contains("'mbedtlsjni'"), out);
        assertTrue(out.contains("Linux/amd64"), out);
        assertTrue(out.contains("/nonexistent/libmbedtlsjni.so"), out);
        assertTrue(out.contains("second: same"), "the failure is reported again on later use: " + out);
    }

    /** Run in a child JVM by the test above. */
    public static final class Probe {
        public static void main(String[] args) {
            String first;
            try {
                MbedTls.version();
                System.out.println("loaded?!");
                return;
            } catch (UnsatisfiedLinkError e) {
                first = e.getMessage();
                System.out.println("UnsatisfiedLinkError: " + first);
            }
            try {
                new SslContext();
            } catch (UnsatisfiedLinkError e) {
                System.out.println("second: " + (first.equals(e.getMessage()) ? "same" : "different"));
            }
            System.exit(3);
        }
    }
}
