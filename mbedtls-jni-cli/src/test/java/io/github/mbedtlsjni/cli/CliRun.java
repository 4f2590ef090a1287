package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.MiniJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of the packaged CLI, {@code java -jar target/mbedtls-jni-cli.jar ARGS} (the jar named by
 * the system property {@code mbedtlsjni.cli.jar}), as a subprocess with stdin from /dev/null.
 */
record CliRun(int status, String out, String err) {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Runs the CLI with {@code args}, its output kept in files under {@code dir}. */
    static CliRun of(Path dir, String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("mbedtlsjni.cli.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "-Dmbedtlsjni.cli.jar names the CLI jar: " + jar);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cli-", ".out");
        Path err = Files.createTempFile(dir, "cli-", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + TIMEOUT + ": " + command + "\nstdout: "
                    + Files.readString(out) + "\nstderr: " + Files.readString(err));
        }
        return new CliRun(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** stdout as the one JSON object it must be. */
    Map<String, Object> json() {
        return json(out, this);
    }

    static Map<String, Object> json(String out, Object run) {
        try {
            return MiniJson.parseObject(out);
        } catch (IllegalArgumentException e) {
            throw new AssertionError("stdout is not one JSON object: " + run, e);
        }
    }
}
