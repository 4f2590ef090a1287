package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A DTLS peer run as a child process (Mbed TLS's {@code ssl_server2}/{@code ssl_client2} and
 * {@code udp_proxy}, {@code openssl s_server/s_client -dtls1_2}, {@code gnutls-serv --udp}): a
 * server is ready once the kernel shows a UDP socket of the process bound to its port on
 * loopback ({@code /proc/net/udp}); a client is started and then watched through its output and
 * exit code.
 */
public final class UdpProcess extends ProcessServer {
    private final int port;

    private UdpProcess(String name, List<String> command, Map<String, String> env, Path workDir, int port)
            throws IOException {
        super(name, command, env, workDir);
        this.port = port;
    }

    /** Starts {@code command} in {@code workDir} and waits until it has bound UDP {@code port} (0: does not wait). */
    public static UdpProcess start(String name, Path workDir, int port, Duration timeout, String... command) {
        return start(name, workDir, port, timeout, Map.of(), command);
    }

    /** {@link #start(String, Path, int, Duration, String...)} with environment variables added. */
    public static UdpProcess start(String name, Path workDir, int port, Duration timeout, Map<String, String> env,
            String... command) {
        try {
            Files.createDirectories(workDir);
            UdpProcess p = new UdpProcess(name, List.of(command), new HashMap<>(env), workDir, port);
            if (port > 0) {
                p.awaitBound(timeout);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /** A UDP port no socket is bound to right now (another process may take it before it is used). */
    public static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code text} to the process's standard input (a client's data to send). */
    public void input(String text) {
        writeInput(text);
    }

    /** Closes the process's standard input (a client then ends). */
    public void endInput() {
        closeInput();
    }

    @Override
    public int port() {
        return port;
    }

    private void awaitBound(Duration timeout) {
        awaitReady(() -> {
            Set<String> inodes = null;
            for (String[] socket : boundSockets(port)) {
                if (inodes == null) {
                    inodes = socketInodes();
                }
                if (inodes.contains(socket[1])) {
                    return true;
                }
            }
            return false;
        }, "did not bind UDP port " + port, timeout);
    }

    /** UDP sockets bound to {@code port}: each its local address (hex) and its inode. */
    private static List<String[]> boundSockets(int port) {
        List<String[]> found = new ArrayList<>();
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(":" + hexPort)) {
                    found.add(new String[] {f[1].substring(0, f[1].indexOf(':')), f[9]});
                }
            }
        }
        return found;
    }
}
