package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/demo} and {@code scripts/mbedtls-jni} end to end, as a user runs them: the
 * scripts, the launcher, the CLI jar's {@code demo} command, openssl generating the PKI and
 * serving it. Checks the exit status and the lines that matter: the verified session, and one
 * table row per certificate failure with the flag Mbed TLS must report.
 */
class DemoIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    /** Each failure case of the local demo and the flag Mbed TLS must report for it. */
    private static final Map<String, String> CASES = Map.of(
            "expired", "MBEDTLS_X509_BADCERT_EXPIRED",
            "not yet valid", "MBEDTLS_X509_BADCERT_FUTURE",
            "wrong host", "MBEDTLS_X509_BADCERT_CN_MISMATCH",
            "unknown CA", "MBEDTLS_X509_BADCERT_NOT_TRUSTED",
            "revoked", "MBEDTLS_X509_BADCERT_REVOKED",
            "self-signed", "MBEDTLS_X509_BADCERT_NOT_TRUSTED",
            "missing intermediate", "MBEDTLS_X509_BADCERT_NOT_TRUSTED",
            "wrong purpose", "MBEDTLS_X509_BADCERT_EXT_KEY_USAGE",
            "SHA-1 signature", "MBEDTLS_X509_BADCERT_BAD_MD",
            "RSA-1024 key", "MBEDTLS_X509_BADCERT_BAD_KEY");

    @TempDir
    static Path dir;

    record Run(int status, String out, String err) {
        void assertNoStackTrace() {
            for (String text : List.of(out, err)) {
                assertFalse(text.contains("Exception") || text.contains("\tat "), "no stack trace: " + this);
            }
        }
    }

    private static Path script(String name) {
        Path script = Path.of(System.getProperty("mbedtlsjni.scripts.dir", "../scripts"), name).toAbsolutePath();
        assertTrue(Files.isExecutable(script), script + " is executable");
        return script;
    }

    /** Runs a script with this JDK and the CLI jar under test, in {@code locale}. */
    private static Run run(String locale, boolean pinJar, Path workDir, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("LC_ALL", locale);
        env.put("LANG", locale);
        env.remove("MBEDTLS_JNI_ASCII");
        env.remove("MBEDTLS_JNI_CA_FILE");
        if (pinJar) {
            String jar = System.getProperty("mbedtlsjni.cli.jar");
            assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "-Dmbedtlsjni.cli.jar names the CLI jar: " + jar);
            env.put("MBEDTLS_JNI_CLI_JAR", jar);
        } else {
            env.remove("MBEDTLS_JNI_CLI_JAR");
        }
        Path out = Files.createTempFile(dir, "demo-", ".out");
        Path err = Files.createTempFile(dir, "demo-", ".err");
        Process process = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + TIMEOUT + ": " + command + "\nstdout: "
                    + Files.readString(out) + "\nstderr: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static Run demo(String locale, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script("demo").toString()));
        command.addAll(List.of(args));
        return run(locale, true, Path.of("").toAbsolutePath(), command);
    }

    /** A table row: the mark, the case, the flags in hex, the expected flag name. */
    private static Pattern row(String mark, String name, String flag) {
        return Pattern.compile("(?m)^  " + Pattern.quote(mark) + " " + Pattern.quote(name)
                + " +0x[0-9a-f]{8}  " + Pattern.quote(flag) + "$");
    }

    @Test
    void localDemoShowsTheSessionAndATableOfFailures() throws Exception {
        Run run = demo("C.UTF-8");
        assertEquals(0, run.status(), run.toString());
        run.assertNoStackTrace();
        String out = run.out();
        assertTrue(out.contains("Mbed TLS "), out);
        assertTrue(Pattern.compile("(?m)^  ✔ handshake +TLSv1\\.[23], TLS").matcher(out).find(), out);
        assertTrue(out.contains("  ✔ certificate    verified for \"localhost\" (flags 0x00000000)"), out);
        assertTrue(out.contains("    peer chain     [0] CN=localhost"), out);
        assertTrue(out.contains("[1] CN=mbedtls-jni demo intermediate CA"), out);
        assertTrue(out.contains("  ✔ echo           sent \"hello from mbedtls-jni\", got back \"inj-sltdebm morf olleh\""), out);
        for (Map.Entry<String, String> c : CASES.entrySet()) {
            assertTrue(row("✘", c.getKey(), c.getValue()).matcher(out).find(),
                    "a row for " + c.getKey() + " with " + c.getValue() + ":\n" + out);
        }
        assertTrue(out.contains("The certificate validity has expired"), "Mbed TLS's verify info: " + out);
        assertTrue(out.contains("  ✔ table          all 10 refused, each with the expected flag"), out);
        assertFalse(out.contains("\u001b["), "no colors when stdout is not a terminal");

        Matcher workDir = Pattern.compile("(?m)^    in +(\\S+)$").matcher(out);
        assertTrue(workDir.find(), out);
        assertFalse(Files.exists(Path.of(workDir.group(1))), "the PKI is deleted: " + workDir.group(1));
    }

    @Test
    void withoutUtf8TheMarksAreAscii() throws Exception {
        Run run = demo("C");
        assertEquals(0, run.status(), run.toString());
        run.assertNoStackTrace();
        assertTrue(run.out().chars().allMatch(c -> c < 0x80), "plain ASCII: " + run.out());
        assertTrue(run.out().contains("  [ok]   handshake"), run.out());
        for (Map.Entry<String, String> c : CASES.entrySet()) {
            assertTrue(row("[FAIL]", c.getKey(), c.getValue()).matcher(run.out()).find(),
                    "a row for " + c.getKey() + ":\n" + run.out());
        }
    }

    @Test
    void realServerMode() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = demo("C.UTF-8", "localhost:" + server.port(), "--ca-file", pki.rootPem().toString());
            assertEquals(0, run.status(), run.toString());
            run.assertNoStackTrace();
            assertTrue(run.out().contains("  ✔ certificate    verified for \"localhost\""), run.out());
            assertTrue(row("✘", "wrong host", "MBEDTLS_X509_BADCERT_CN_MISMATCH").matcher(run.out()).find(), run.out());
            assertTrue(row("✘", "unknown CA", "MBEDTLS_X509_BADCERT_NOT_TRUSTED").matcher(run.out()).find(), run.out());

            // Not trusted at all: exit 1, the flags shown, no stack trace.
            Run untrusted = demo("C.UTF-8", "localhost:" + server.port(), "--ca-file", pki.unknownRootPem().toString());
            assertEquals(1, untrusted.status(), untrusted.toString());
            untrusted.assertNoStackTrace();
            assertTrue(untrusted.out().contains("MBEDTLS_X509_BADCERT_NOT_TRUSTED"), untrusted.toString());
        }
        Run closed = demo("C.UTF-8", "127.0.0.1:" + TestServer.freePort(), "--ca-file", pki.rootPem().toString());
        assertEquals(2, closed.status(), closed.toString());
        closed.assertNoStackTrace();
        assertTrue(closed.out().contains("✘ connect"), closed.toString());
    }

    @Test
    void launcherFindsTheJarNextToItself() throws Exception {
        // From another directory, without MBEDTLS_JNI_CLI_JAR: the jar is found relative to the script.
        Run help = run("C.UTF-8", false, dir, List.of(script("mbedtls-jni").toString(), "--help"));
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().contains("connect HOST:PORT") && help.out().contains("demo [HOST:PORT]"), help.toString());

        Run connectHelp = run("C.UTF-8", true, dir, List.of(script("mbedtls-jni").toString(), "connect", "--help"));
        assertEquals(0, connectHelp.status(), connectHelp.toString());
        assertTrue(connectHelp.out().startsWith("Usage: java -jar mbedtls-jni-cli.jar connect HOST:PORT"), connectHelp.toString());

        Run version = run("C.UTF-8", true, dir, List.of(script("mbedtls-jni").toString(), "version"));
        assertEquals(0, version.status(), version.toString());
        assertTrue(version.out().matches("mbedtls-jni .*, Mbed TLS \\d+\\.\\d+\\.\\d+ \\(.*\\)\\n"), version.toString());

        Run usage = run("C.UTF-8", true, dir, List.of(script("mbedtls-jni").toString(), "connect", "h:1"));
        assertEquals(64, usage.status(), "the jar's exit status passes through: " + usage);
    }
}
