package io.github.mbedtlsjni.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Locates and runs the {@code openssl} command-line tool (OpenSSL 3.x).
 *
 * <p>The executable is the system property {@value #PROPERTY} if set, otherwise
 * {@code openssl} on the {@code PATH}; if neither exists, {@link #executable()} fails with a
 * message saying how to install it.
 */
public final class OpenSsl {
    /** System property naming the openssl executable to use. */
    public static final String PROPERTY = "mbedtlsjni.openssl";

    private OpenSsl() {
    }

    /** The result of one {@link #run} call: exit code and merged stdout+stderr. */
    public record Result(int exitCode, String output) {
    }

    /** The openssl executable, or an {@link IllegalStateException} explaining that it is missing. */
    public static Path executable() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return requireExecutable(Paths.get(configured));
        }
        String pathVariable = System.getenv("PATH");
        if (pathVariable != null) {
            for (String dir : pathVariable.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Paths.get(dir, "openssl");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("openssl not found on PATH (" + pathVariable + "): these tests need the"
                + " OpenSSL 3 command-line tool; install it (Debian/Ubuntu: apt-get install openssl)"
                + " or point -D" + PROPERTY + " at it");
    }

    /** {@code path} if it is an executable file, otherwise an {@link IllegalStateException} saying so. */
    public static Path requireExecutable(Path path) {
        if (Files.isRegularFile(path) && Files.isExecutable(path)) {
            return path;
        }
        throw new IllegalStateException("openssl not found: " + path + " is not an executable file; these tests"
                + " need the OpenSSL 3 command-line tool (Debian/Ubuntu: apt-get install openssl)");
    }

    /**
     * Runs {@code openssl args...} to completion and returns its exit code and output; the
     * process is killed if it outlives {@code timeout}, which is then an error.
     */
    public static Result run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable().toString());
        command.addAll(List.of(args));
        return runCommand(timeout, command);
    }

    /**
     * Runs any program ({@code command}, the program first) to completion the way {@link #run}
     * runs openssl: stdin empty, stdout and stderr merged, killed if it outlives {@code timeout}.
     */
    public static Result runCommand(Duration timeout, List<String> command) {
        Path outputFile = null;
        try {
            outputFile = Files.createTempFile("openssl-", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(outputFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout + ": " + command);
            }
            return new Result(process.exitValue(), Files.readString(outputFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        } finally {
            if (outputFile != null) {
                try {
                    Files.deleteIfExists(outputFile);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }
}
