package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.MiniJson;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged CLI jar, which carries every native of the library jar, on Debian's own JVMs of
 * other architectures under qemu (scripts/emulated-jvm, docs/platforms.md): on arm64 and armhf
 * {@code version} names that platform's native and {@code connect --json} and the guide example
 * make a verified TLS 1.3 connection to {@code openssl s_server} on this machine; on armel, an ABI
 * the jar lacks (soft-float), the load fails with one clear {@link UnsatisfiedLinkError} naming
 * the platform and the jar's platforms, and the JVM does not crash.
 *
 * <p>The JVMs come from {@code -Dmbedtlsjni.emulated.jvms=arm64=PATH,armhf=PATH,armel=PATH}
 * ({@code .ci/run} passes them); without it every case is skipped, saying so.
 */
class EmulatedPlatformsIT {
    /** Emulation is much slower than native: a JVM start takes seconds. */
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    static Path dir;

    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private static Map<String, String> jvms() {
        Map<String, String> jvms = new LinkedHashMap<>();
        for (String entry : System.getProperty("mbedtlsjni.emulated.jvms", "").split(",")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                jvms.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
        }
        return jvms;
    }

    private static String jvm(String arch) {
        String java = jvms().get(arch);
        assumeTrue(java != null, "no emulated " + arch + " JVM: run with -Dmbedtlsjni.emulated.jvms=" + arch
                + "=$(scripts/emulated-jvm " + arch + ") (.ci/run does)");
        assertTrue(Files.isExecutable(Path.of(java)), "the emulated " + arch + " JVM is not an executable file: '" + java
                + "' (did scripts/emulated-jvm " + arch + " fail?)");
        return java;
    }

    record Run(int status, String out, String err, long millis) {}

    private static Run run(String java, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "emulated-", ".out");
        Path err = Files.createTempFile(dir, "emulated-", ".err");
        long start = System.nanoTime();
        // The working directory on the emulated JVM's own tmpfs (32-bit guests cannot read ext4 directories).
        Process process = new ProcessBuilder(command).directory(Path.of(java).getParent().getParent().getParent().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + TIMEOUT + ": " + command + "\nstdout: " + Files.readString(out)
                    + "\nstderr: " + Files.readString(err));
        }
        Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1_000_000);
        System.out.println("EmulatedPlatformsIT: " + String.join(" ", args) + " on " + java + ": exit " + run.status()
                + " in " + run.millis() + " ms");
        return run;
    }

    private static String cliJar() {
        String jar = System.getProperty("mbedtlsjni.cli.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "-Dmbedtlsjni.cli.jar names the CLI jar: " + jar);
        return jar;
    }

    private static String nativeDir(String arch) {
        return arch.equals("arm64") ? "linux_arm64" : "linux_arm";
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arm64", "armhf"})
    void versionNamesTheNativeOfThatArchitecture(String arch) throws Exception {
        Run run = run(jvm(arch), "-jar", cliJar(), "version");
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.out().contains(", native " + nativeDir(arch) + ")"), run.toString());
        assertFalse(run.out().contains("not loaded"), run.toString());
        assertEquals("", run.err(), "nothing on stderr (no SLF4J or native-access warnings)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arm64", "armhf"})
    void connectJsonMakesAVerifiedTls13Connection(String arch) throws Exception {
        MbedTlsVersions.assumeTls13();
        String java = jvm(arch);
        try (OpenSslServer server = OpenSslServer.builder(pki).msg().start()) {
            Run run = run(java, "-jar", cliJar(), "connect", "127.0.0.1:" + server.port(), "--ca-file",
                    pki.rootPem().toString(), "--server-name", "localhost", "--send", "hello from " + arch, "--json");
            assertEquals(0, run.status(), run.toString());
            Map<String, Object> json = MiniJson.parseObject(run.out());
            assertEquals("ok", json.get("handshake"), run.toString());
            assertEquals(0L, json.get("verify_flags"), run.toString());
            assertEquals("TLSv1.3", json.get("protocol"), run.toString());
            assertEquals("CN=localhost", json.get("peer_subject"), run.toString());
            assertEquals(OpenSslServer.reverse("hello from " + arch) + "\n", json.get("received"), run.toString());
            assertTrue(server.awaitClientCloseNotify(Duration.ofSeconds(30)), server.output());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arm64", "armhf"})
    void theGuideExampleRunsToTheEnd(String arch) throws Exception {
        String java = jvm(arch);
        try (OpenSslServer server = OpenSslServer.builder(pki).msg().start()) {
            Run run = run(java, "-cp", cliJar(), "io.github.mbedtlsjni.examples.GuideClient", "localhost",
                    Integer.toString(server.port()), pki.rootPem().toString(), "--send", "Hello server");
            assertEquals(0, run.status(), run.toString());
            assertTrue(run.out().contains("  . Verifying the peer X.509 certificate... ok"), run.toString());
            assertTrue(run.out().contains("\n" + OpenSslServer.reverse("Hello server") + "\n"), run.toString());
            assertTrue(run.out().contains("  . Closing the connection... ok"), run.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"armel"})
    void aJvmOfAnAbiTheJarLacksGetsOneClearErrorAndNoWrongLibrary(String arch) throws Exception {
        Run run = run(jvm(arch), "-jar", cliJar(), "version");
        // Main.version() prints what failed to load; the JVM neither crashed nor loaded the armhf library.
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.out().contains("Mbed TLS not loaded: mbedtls-jni: cannot load native library 'mbedtlsjni'"), run.toString());
        assertTrue(run.out().contains("Linux arm, soft-float (armel)"), run.toString());
        assertTrue(run.out().contains("(natives/linux_armel/)"), run.toString());
        assertTrue(run.out().contains("This jar has natives for linux_64 (Linux x86-64, glibc), linux_arm64 (Linux aarch64, glibc), "
                + "linux_arm (Linux armhf: ARMv7, hard-float, glibc)"), run.toString());
        assertFalse(run.out().contains("native linux_arm)"), run.toString());
    }
}
