package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assumptions;

/**
 * A TLS server program (gnutls-serv, nginx, Mbed TLS's ssl_server2...) run as a child process
 * listening on 127.0.0.1, for the interoperability tests.
 *
 * <p>The port is chosen up front ({@link #freePort()}) and passed on the command line;
 * {@link Builder#start()} returns once the kernel shows a socket of the process listening on that
 * port ({@code /proc/net/tcp}, {@code /proc/net/tcp6}, {@code /proc/PID/fd}), so no probe
 * connection disturbs the server, and fails if the server listens on anything but 127.0.0.1 (or
 * ::1), or if another process took the port first ({@link PortTakenException};
 * {@link #startOnFreePort} then tries another). stdout and stderr are merged into
 * {@link #output()}; stdin is closed. {@link #close()} kills the process (SIGTERM, then SIGKILL)
 * and deletes its working directory ({@link ProcessServer}).
 */
public final class ExternalServer extends ProcessServer {
    private final int port;

    private ExternalServer(String name, List<String> command, Map<String, String> env, Path workDir, int port)
            throws IOException {
        super(name, command, env, workDir);
        this.port = port;
        closeInput();
    }

    /** A builder; {@code name} labels messages, {@code workDir} becomes the process's directory (deleted on close). */
    public static Builder builder(String name, Path workDir, int port) {
        return new Builder(name, workDir, port);
    }

    /** A TCP port on 127.0.0.1 that was free a moment ago ({@link TestServer#freePort()}). */
    public static int freePort() {
        return TestServer.freePort();
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

    @Override
    public int port() {
        return port;
    }

    /**
     * Waits until a socket of this process (or a child of it) listens on the port. The port was
     * free when chosen, but any process may take it before this one binds it (other test JVMs run
     * servers too): a listener that is not this process's is not this server, which then fails
     * to bind and exits ({@link PortTakenException}).
     */
    private void awaitListening(Duration timeout) {
        List<String> own = new ArrayList<>();
        boolean[] taken = {false};
        try {
            awaitReady(() -> {
                own.clear();
                List<String[]> listeners = listeners(port);
                Set<String> inodes = listeners.isEmpty() ? Set.of() : socketInodes();
                for (String[] l : listeners) {
                    if (inodes.contains(l[1])) {
                        own.add(l[0]);
                    } else {
                        taken[0] = true;
                    }
                }
                return !own.isEmpty();
            }, "did not listen", timeout);
        } catch (IllegalStateException e) {
            if (taken[0]) {
                throw new PortTakenException("another process listens on port " + port + ": " + e.getMessage());
            }
            throw e;
        }
        for (String address : own) {
            if (!isLoopback(address)) {
                close();
                throw new IllegalStateException(this + " listens on " + address + " (as in /proc/net/tcp), not only"
                        + " on 127.0.0.1 or ::1; command: " + String.join(" ", command()));
            }
        }
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

    /** Configures and starts an {@link ExternalServer}. */
    public static final class Builder {
        private final String name;
        private final Path workDir;
        private final int port;
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new HashMap<>();
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
