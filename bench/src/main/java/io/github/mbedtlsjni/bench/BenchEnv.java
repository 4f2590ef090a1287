package io.github.mbedtlsjni.bench;

import java.nio.file.Path;

/**
 * Where the benchmark server is, from system properties set by {@code scripts/bench} (JMH passes
 * the host JVM's {@code -D} options on to its forks): {@code bench.host} (127.0.0.1),
 * {@code bench.name} (localhost: SNI and the verified name), {@code bench.ca} (the root CA PEM),
 * and one port per server cipher setting, {@code bench.port.all}, {@code bench.port.aesgcm},
 * {@code bench.port.chacha} (see native/bench/bench_server.c).
 */
final class BenchEnv {
    static final int CHUNK = 16384;
    static final int SMALL = 64;

    private BenchEnv() {}

    static String host() {
        return System.getProperty("bench.host", "127.0.0.1");
    }

    static String name() {
        return System.getProperty("bench.name", "localhost");
    }

    static Path ca() {
        String ca = System.getProperty("bench.ca");
        if (ca == null) {
            throw new IllegalStateException("-Dbench.ca=ROOT.pem is not set (run scripts/bench)");
        }
        return Path.of(ca);
    }

    /** The port of the server with this cipher setting: all, aesgcm or chacha. */
    static int port(String ciphers) {
        String port = System.getProperty("bench.port." + ciphers);
        if (port == null) {
            throw new IllegalStateException("-Dbench.port." + ciphers + " is not set (run scripts/bench)");
        }
        return Integer.parseInt(port);
    }
}
