package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A TLS server program (gnutls-serv, nginx, Mbed TLS's ssl_server2...) run as a child process
 * listening on 127.0.0.1, for the interoperability tests.
 *
 * <p>The port is chosen up front ({@link #freePort()}) and passed on the command line;
 * {@link Builder#start()} returns once the kernel shows a socket of the process listening on that
 * port ({@code /proc/net/tcp}, {@code /proc/net/tcp6}, {@code /proc/PID/fd}), so no probe
 * connection disturbs the server, and fails if the server listens on anything but loopback, or
 * if another process took the port first ({@link #startOnFreePort} then tries another). stdout and stderr are merged into
 * {@link #output()}. {@link #close()} kills the process (SIGTERM, then SIGKILL) and deletes its
 * working directory.
 */
public final class ExternalServer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> command;
    private final Path workDir;
    private final int port;
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;
    private final Thread shutdownHook;

    private ExternalServer(String name, List<String> command, Map<String, String> env, Path workDir, int port)
            throws IOException {
        this.name = name;
        this.command = List.copyOf(command);
        this.workDir = workDir;
        this.port = port;
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        process = pb.start();
        process.getOutputStream().close();
        shutdownHook = new Thread(process::destroyForcibly, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        reader = new Thread(this::pump, name + "-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** A builder; {@code name} labels messages, {@code workDir} becomes the process's directory (deleted on close). */
    public static Builder builder(String name, Path workDir, int port) {
        return new Builder(name, workDir, port);
    }

    /** A TCP port on 127.0.0.1 that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Finds {@code program} on the PATH (and in /usr/sbin, /sbin), or null. */
    public static Path onPath(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/sbin");
        dirs.add("/sbin");
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * {@link #onPath}, for a program a test needs: where it is missing, the test is skipped, or
     * fails in CI ({@code CI=true}), saying which Debian package brings it.
     */
    public static Path require(String program, String debianPackage) {
        Path p = onPath(program);
        if (p == null) {
            String why = program + " is not installed (apt-get install " + debianPackage + "; .ci/run installs it)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.assumeTrue(false, why);
        }
        return p;
    }

    /**
     * The local addresses (hex, as in {@code /proc/net/tcp*}) of sockets listening on
     * {@code port}: {@code 0100007F} is 127.0.0.1, {@code 00000000} the IPv4 wildcard.
     */
    public static List<String> listeningAddresses(int port) {
        List<String> found = new ArrayList<>();
        for (String[] listener : listeners(port)) {
            found.add(listener[0]);
        }
        return found;
    }

    /** The sockets listening on {@code port}: each its local address (hex) and its inode. */
    private static List<String[]> listeners(int port) {
        List<String[]> found = new ArrayList<>();
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue; // no IPv6
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && "0A".equals(f[3]) && f[1].endsWith(":" + hexPort)) {
                    found.add(new String[] {f[1].substring(0, f[1].indexOf(':')), f[9]});
                }
            }
        }
        return found;
    }

    private static boolean isLoopback(String hexAddress) {
        return hexAddress.equals("0100007F") // 127.0.0.1
                || hexAddress.equals("00000000000000000000000001000000") // ::1
                || hexAddress.equals("0000000000000000FFFF00000100007F"); // ::ffff:127.0.0.1
    }

    /** The port the server listens on, at 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The working directory (config files, logs). */
    public Path workDir() {
        return workDir;
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process has written so far. */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook runs anyway
            }
            deleteTree(workDir);
        }
    }

    @Override
    public String toString() {
        return name + "[127.0.0.1:" + port + "]";
    }

    private void pump() {
        char[] buffer = new char[8192];
        try (Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (output) {
                    output.append(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /**
     * Waits until a socket of this process (or a child of it) listens on the port. The port was
     * free when chosen, but any process may take it before this one binds it (other test JVMs run
     * servers too): a listener that is not this process's is not this server, which then fails
     * to bind and exits ({@link PortTakenException}).
     */
    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean taken = false;
        while (true) {
            List<String[]> listeners = listeners(port);
            Set<String> own = socketInodes();
            boolean ours = false;
            for (String[] l : listeners) {
                if (!own.contains(l[1])) {
                    taken = true;
                    continue;
                }
                if (!isLoopback(l[0])) {
                    close();
                    throw new IllegalStateException(this + " listens on a non-loopback address " + l[0]
                            + "; command: " + String.join(" ", command));
                }
                ours = true;
            }
            if (ours) {
                return;
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String why = process.isAlive() ? "did not listen within " + timeout : "exited with " + process.exitValue();
                String out = output();
                close();
                String message = this + " " + why + (taken ? " (another process listens on port " + port + ")" : "")
                        + "; command: " + String.join(" ", command) + "\noutput:\n" + out;
                throw taken ? new PortTakenException(message) : new IllegalStateException(message);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The inodes of the sockets this process and its descendants have open ({@code /proc/PID/fd}). */
    private Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        List<ProcessHandle> processes = new ArrayList<>();
        processes.add(process.toHandle());
        process.descendants().forEach(processes::add);
        for (ProcessHandle p : processes) {
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

    /**
     * A server could not listen on its port because another process had taken it since
     * {@link #freePort()} found it free; {@link #startOnFreePort} tries another port then.
     */
    public static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }

    /**
     * Starts the server {@code builder} makes for a port, on a free port: should another process
     * take the port before the server binds it, again on another (a few times).
     */
    public static ExternalServer startOnFreePort(IntFunction<Builder> builder) {
        for (int attempt = 1; ; attempt++) {
            try {
                return builder.apply(freePort()).start();
            } catch (PortTakenException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }

    /** Configures and starts an {@link ExternalServer}. */
    public static final class Builder {
        private final String name;
        private final Path workDir;
        private final int port;
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new java.util.HashMap<>();
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder(String name, Path workDir, int port) {
            this.name = name;
            this.workDir = workDir;
            this.port = port;
        }

        /** Appends to the command line. */
        public Builder command(String... args) {
            command.addAll(List.of(args));
            return this;
        }

        /** Sets an environment variable of the process. */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** How long to wait for the server to listen (default 30 s). */
        public Builder startTimeout(Duration timeout) {
            startTimeout = timeout;
            return this;
        }

        /** Starts the process and waits until it listens on the port, on loopback only. */
        public ExternalServer start() {
            try {
                Files.createDirectories(workDir);
                ExternalServer server = new ExternalServer(name, command, env, workDir, port);
                server.awaitListening(startTimeout);
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
            }
        }
    }
}
