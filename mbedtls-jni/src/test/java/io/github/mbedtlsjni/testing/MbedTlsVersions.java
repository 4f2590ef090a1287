package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Which Mbed TLS the tests run against, and the one place where tests tell the supported lines
 * apart (2.28 LTS and 3.6 LTS; see docs/building.md "Mbed TLS versions").
 *
 * <p>Where the lines legitimately differ, a test records both expectations explicitly:
 * {@code assertEquals(MbedTlsVersions.byLine(on2, on3), actual)}. A test that needs what a line
 * lacks calls an {@code assume...} method first, which skips it with the reason in the report.
 */
public final class MbedTlsVersions {
    private MbedTlsVersions() {}

    /** True if the linked Mbed TLS is a 3.x release (3.6 LTS or later). */
    public static boolean is3() {
        return MbedTls.versionNumber() >>> 24 >= 3;
    }

    /** True if the linked Mbed TLS is a 2.x release (2.28 LTS). */
    public static boolean is2() {
        return !is3();
    }

    /** {@code on2} on a 2.28 build, {@code on3} on a 3.x build: a per-line expectation. */
    public static <T> T byLine(T on2, T on3) {
        return is3() ? on3 : on2;
    }

    /** True if the linked Mbed TLS has TLS 1.3 compiled in. */
    public static boolean hasTls13() {
        return MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3");
    }

    /** Skips the calling test, saying why, unless the linked Mbed TLS can do TLS 1.3. */
    public static void assumeTls13() {
        assumeTrue(hasTls13(), () -> "needs TLS 1.3, which Mbed TLS " + MbedTls.version() + " lacks ("
                + (is3() ? "MBEDTLS_SSL_PROTO_TLS1_3 is off in its configuration" : "2.28 has no TLS 1.3") + ")");
    }

    /** Skips the calling test unless {@code version} is usable with the linked Mbed TLS. */
    public static void assumeSupported(TlsVersion version) {
        if (version == TlsVersion.TLS1_3) {
            assumeTls13();
        }
    }

    /**
     * True if the linked Mbed TLS matches a server address given as the hostname (an IP literal)
     * against the certificate's iPAddress SANs: since 3.5.0. Older ones (2.28) compare it with the
     * DNS names and the CN only, so such a server fails with BADCERT_CN_MISMATCH.
     */
    public static boolean hasIpSanMatching() {
        return MbedTls.versionNumber() >= 0x03050000;
    }

    /** Skips the calling test, saying why, unless {@link #hasIpSanMatching()}. */
    public static void assumeIpSanMatching() {
        assumeTrue(hasIpSanMatching(), () -> "needs hostname verification against iPAddress SANs, which Mbed TLS "
                + MbedTls.version() + " lacks (added in 3.5.0)");
    }

    /** True if the linked Mbed TLS negotiates the DTLS Connection ID of RFC 9146 (3.x built with it). */
    public static boolean hasCid() {
        return io.github.mbedtlsjni.mbedtls.SslConfig.maxCidLength() >= 0;
    }

    /** Skips the calling test, saying why, unless {@link #hasCid()}. */
    public static void assumeCid() {
        assumeTrue(hasCid(), () -> "needs the DTLS Connection ID of RFC 9146, which Mbed TLS " + MbedTls.version()
                + " lacks (" + (is3() ? "MBEDTLS_SSL_DTLS_CONNECTION_ID is off" : "2.28 has only an incompatible draft")
                + ")");
    }

    /** True if this build links the Mbed TLS installed on the system ({@code -Dmbedtls.system=true}). */
    public static boolean isSystem() {
        return "system".equals(MbedTls.buildSource());
    }

    /**
     * What the CMake build recorded about the Mbed TLS it used ({@code mbedtls-jni.mf} in the
     * native build directory, also merged into the jar's manifest): {@code Mbed-TLS-Version},
     * {@code Mbed-TLS-Source}, {@code Mbed-TLS-Config}.
     */
    public static Properties buildInfo() {
        Path file = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "mbedtls-jni.mf");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r); // "Key: value" lines are valid properties
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the native build's record " + file, e);
        }
        return p;
    }
}
