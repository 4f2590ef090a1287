package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes the benchmarks' PKI with the tests' generator ({@link TestPki}): an ECDSA P-256 root,
 * intermediate and leaf ({@code localhost}, {@code 127.0.0.1}) into DIR as {@code root.pem}
 * (what the clients trust), {@code chain.pem} (leaf + intermediate, what the server sends) and
 * {@code server.key}. {@code java io.github.mbedtlsjni.bench.BenchPki DIR}; run by scripts/bench.
 */
public final class BenchPki {
    private BenchPki() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchPki DIR");
            System.exit(64);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        TestPki pki = TestPki.create(dir, KeyType.EC_P256, "bench");
        Files.copy(pki.rootPem(), dir.resolve("root.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.serverChainPem(), dir.resolve("chain.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.serverKeyPem(), dir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
    }
}
