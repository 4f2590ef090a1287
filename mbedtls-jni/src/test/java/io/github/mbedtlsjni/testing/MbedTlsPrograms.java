package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mbed TLS's own programs built from the same source as the library, with Mbed TLS's default
 * configuration ({@code native/interop/CMakeLists.txt}): {@code ssl_server2}, {@code ssl_client2}
 * and {@code udp_proxy}. Not built with {@code -Dmbedtls.system=true} (no source): the caller's
 * test is skipped then.
 */
public final class MbedTlsPrograms {
    private MbedTlsPrograms() {}

    /** {@code programs/ssl/ssl_server2}. */
    public static Path sslServer2() {
        return program("ssl", "ssl_server2");
    }

    /** {@code programs/ssl/ssl_client2}. */
    public static Path sslClient2() {
        return program("ssl", "ssl_client2");
    }

    /** {@code programs/test/udp_proxy}. */
    public static Path udpProxy() {
        return program("test", "udp_proxy");
    }

    private static Path program(String dir, String name) {
        assumeFalse(MbedTlsVersions.isSystem(), name + " is built only from a source tree, not with -Dmbedtls.system");
        Path program = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "mbedtls-programs", "programs", dir, name);
        assertTrue(Files.isExecutable(program), "the native build did not make " + program
                + " (native/interop/CMakeLists.txt, -DMBEDTLSJNI_SSL_SERVER2)");
        return program;
    }
}
