package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    /** {@code ssl_server2 server_addr=127.0.0.1 server_port=P dtls=1 OPTIONS...} on a free UDP port, bound when returned. */
    public static UdpProcess dtlsServer2(Path workDir, String... options) {
        int port = UdpProcess.freeUdpPort();
        return UdpProcess.start("ssl_server2", workDir.resolve("ssl_server2-" + port), port, Duration.ofSeconds(30),
                command(sslServer2(), List.of("server_addr=127.0.0.1", "server_port=" + port, "dtls=1"), options));
    }

    /** {@code ssl_client2 server_addr=127.0.0.1 server_port=PORT dtls=1 OPTIONS...}, started (watch its output and exit). */
    public static UdpProcess dtlsClient2(Path workDir, int port, String... options) {
        return UdpProcess.start("ssl_client2", workDir.resolve("ssl_client2-" + System.nanoTime()), 0, Duration.ofSeconds(30),
                command(sslClient2(), List.of("server_addr=127.0.0.1", "server_port=" + port, "dtls=1"), options));
    }

    /** {@code udp_proxy} from a free UDP port on 127.0.0.1 to {@code serverPort}, with {@code seed} and OPTIONS. */
    public static UdpProcess udpProxy(Path workDir, int serverPort, long seed, String... options) {
        int port = UdpProcess.freeUdpPort();
        return UdpProcess.start("udp_proxy", workDir.resolve("udp_proxy-" + port), port, Duration.ofSeconds(30),
                command(udpProxy(), List.of("server_addr=127.0.0.1", "server_port=" + serverPort, "listen_addr=127.0.0.1",
                        "listen_port=" + port, "seed=" + seed), options));
    }

    private static String[] command(Path program, List<String> fixed, String... options) {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(fixed);
        command.addAll(List.of(options));
        return command.toArray(new String[0]);
    }

    private static Path program(String dir, String name) {
        assumeFalse(MbedTlsVersions.isSystem(), name + " is built only from a source tree, not with -Dmbedtls.system");
        Path program = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "mbedtls-programs", "programs", dir, name);
        assertTrue(Files.isExecutable(program), "the native build did not make " + program
                + " (native/interop/CMakeLists.txt, -DMBEDTLSJNI_SSL_SERVER2)");
        return program;
    }
}
