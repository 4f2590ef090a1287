package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What every server run as a child process has: the process in its own working directory, its
 * stdout and stderr merged into {@link #output()} (with waits on it), a readiness wait that fails
 * with the command and output when the server exits first, and {@link #close()}: SIGTERM, then
 * SIGKILL after 5 s, wait for it, delete the working directory. A shutdown hook kills the process
 * if the JVM exits before {@code close()}.
 *
 * <p>{@link OpenSslServer} is ready when s_server prints its port, {@link ExternalServer} when
 * the kernel shows it listening.
 */
public abstract class ProcessServer implements TestServer {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final String name;
    private final List<String> command;
    private final Path workDir;
    private final Process process;
    private final StringBuilder output = new StringBuilder(); // guarded by itself
    private boolean outputEnded; // guarded by output
    private final Thread reader;
    private final Thread shutdownHook;

    /**
     * Starts {@code command} in {@code workDir} (which {@link #close()} deletes) with {@code env}
     * added to the environment; {@code name} labels threads and messages.
     */
    ProcessServer(String name, List<String> command, Map<String, String> env, Path workDir) throws IOException {
        this.name = name;
        this.command = List.copyOf(command);
        this.workDir = workDir;
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        process = builder.start();
        shutdownHook = new Thread(process::destroyForcibly, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        reader = new Thread(this::pumpOutput, name + "-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** The command line that started the server. */
    public List<String> command() {
        return command;
    }

    /** The working directory (config files, logs); deleted on close. */
    public Path workDir() {
        return workDir;
    }

    /**
     * Waits for the process to exit (a client run to completion): its exit code, or -1 if it
     * still runs after {@code timeout}.
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return -1;
            }
            joinReader();
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process has written to stdout and stderr so far. */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** Waits until the output contains {@code substring}; false on timeout or if the process exited first. */
    public boolean awaitOutput(String substring, Duration timeout) {
        return awaitOccurrences(substring, 1, timeout);
    }

    /** Waits until the output contains {@code substring} at least {@code count} times. */
    public boolean awaitOccurrences(String substring, int count, Duration timeout) {
        return awaitOutput(text -> occurrences(text, substring) >= count, timeout);
    }

    /** Waits until {@code pattern} is found in the output; false on timeout or if the process exited first. */
    public boolean awaitOutput(Pattern pattern, Duration timeout) {
        return awaitOutput(text -> pattern.matcher(text).find(), timeout);
    }

    /** Kills the process (SIGTERM, then SIGKILL after 5 s), waits for it and its output, deletes its directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            joinReader();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook runs anyway
            }
            closeQuietly(process.getOutputStream());
            deleteTree(workDir);
        }
    }

    @Override
    public String toString() {
        return name + "[127.0.0.1:" + port() + "]";
    }

    /** The process and its descendants, as they are now. */
    List<ProcessHandle> processTree() {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        return tree;
    }

    /** The inodes of the sockets this process and its descendants have open ({@code /proc/PID/fd}). */
    Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        for (ProcessHandle p : processTree()) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
                fds.forEach(fd -> {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(target.substring("socket:[".length(), target.length() - 1));
                        }
                    } catch (IOException closedMeanwhile) {
                        // not a socket of it any more
                    }
                });
            } catch (IOException | UncheckedIOException exited) {
                // no such process any more
            }
        }
        return inodes;
    }

    /** Writes {@code text} to the process's stdin. */
    void writeInput(String text) {
        try {
            OutputStream stdin = process.getOutputStream();
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the process's stdin, for a server that has nothing to read from it. */
    void closeInput() {
        closeQuietly(process.getOutputStream());
    }

    /**
     * Waits until {@code ready} holds, testing it on every new output and at least every 20 ms;
     * if the process exits first or the time runs out, closes the server and throws an
     * {@link IllegalStateException} with {@code notReady} (e.g. "did not listen"), the command
     * and the output.
     */
    void awaitReady(BooleanSupplier ready, String notReady, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        while (!ready.getAsBoolean()) {
            String why = null;
            if (!process.isAlive()) {
                joinReader(); // the message shows all it printed, e.g. why it refused to start
                why = "exited with code " + process.exitValue();
            } else if (System.nanoTime() - deadline >= 0) {
                why = notReady + " within " + timeout;
            }
            if (why != null) {
                String out = output();
                close();
                throw new IllegalStateException(name + (port() > 0 ? " on 127.0.0.1:" + port() : "") + " " + why
                        + "; command: " + String.join(" ", command) + "\noutput:\n" + out);
            }
            synchronized (output) {
                if (output.length() == seen || outputEnded) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(output, Math.min(POLL_NANOS, deadline - System.nanoTime()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        close();
                        throw new IllegalStateException("interrupted while starting " + name, e);
                    }
                }
                seen = output.length();
            }
        }
    }

    /** Waits (at most 10 s) until the output has been read to its end, as it is once the process has exited. */
    private void joinReader() {
        try {
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitOutput(Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (true) {
                if (condition.test(output.toString())) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (outputEnded || remaining <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(output, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    private void pumpOutput() {
        char[] buffer = new char[8192];
        try (Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (output) {
                    output.append(buffer, 0, n);
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // stream closed because the process was killed: nothing more to read
        } finally {
            synchronized (output) {
                outputEnded = true;
                output.notifyAll();
            }
        }
    }

    private static int occurrences(String text, String substring) {
        int count = 0;
        for (int i = text.indexOf(substring); i >= 0; i = text.indexOf(substring, i + substring.length())) {
            count++;
        }
        return count;
    }

    /** Deletes {@code dir} and everything in it; a leftover temp file is harmless, so failures are ignored. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // as above
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // the process is gone
        }
    }
}
