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

/**
 * A TLS server program (gnutls-serv, nginx, Mbed TLS's ssl_server2...) run as a child process
 * listening on 127.0.0.1, for the interoperability tests.
 *
 * <p>The port is chosen up front ({@link #freePort()}) and passed on the command line;
 * {@link Builder#start()} returns once the kernel shows a listening socket on that port
 * ({@code /proc/net/tcp}, {@code /proc/net/tcp6}), so no probe connection disturbs the server,
 * and fails if the server listens on anything but 127.0.0.1 (or ::1). stdout and stderr are
 * merged into {@link #output()}; stdin is closed. {@link #close()} kills the process (SIGTERM,
 * then SIGKILL) and deletes its working directory ({@link ProcessServer}).
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
     * The local addresses (hex, as in {@code /proc/net/tcp*}) of sockets listening on
     * {@code port}: {@code 0100007F} is 127.0.0.1, {@code 00000000} the IPv4 wildcard.
     */
    public static List<String> listeningAddresses(int port) {
        List<String> found = new ArrayList<>();
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
                if (f.length > 3 && "0A".equals(f[3]) && f[1].endsWith(":" + hexPort)) {
                    found.add(f[1].substring(0, f[1].indexOf(':')));
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

    private void awaitListening(Duration timeout) {
        awaitReady(() -> !listeningAddresses(port).isEmpty(), "did not listen", timeout);
        for (String address : listeningAddresses(port)) {
            if (!isLoopback(address)) {
                close();
                throw new IllegalStateException(this + " listens on " + address + " (as in /proc/net/tcp), not only"
                        + " on 127.0.0.1 or ::1; command: " + String.join(" ", command()));
            }
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
