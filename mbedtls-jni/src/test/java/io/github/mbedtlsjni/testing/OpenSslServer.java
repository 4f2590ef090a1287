package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code openssl s_server} (OpenSSL 3 CLI) child process listening on 127.0.0.1 on a free
 * port, for testing TLS clients against an independent implementation.
 *
 * <pre>{@code
 * try (OpenSslServer server = OpenSslServer.builder(pki).protocols(TlsProtocol.TLS_1_3).msg().start()) {
 *     // connect to 127.0.0.1:server.port(), send "hello\n", expect "olleh\n"
 *     assertTrue(server.awaitClientCloseNotify(Duration.ofSeconds(5)));
 * }
 * }</pre>
 *
 * <p><b>Modes.</b> {@link Mode#REVERSE} (the default, {@code -rev}) is the echo mode: for every
 * line the client sends, the server strips trailing CR/LF, reverses the characters and sends them
 * back followed by {@code \n} ({@code "hello\n"} &rarr; {@code "olleh\n"}, see {@link #reverse});
 * it needs whole lines, and a line {@code CLOSE} makes it close the connection.
 * s_server has no plain echo mode. {@link Mode#INTERACTIVE} (no mode flag) prints what the
 * client sends to the output and sends {@link #sendToClient} text to the client (lines starting
 * with s_server's one-letter commands such as {@code Q}, {@code q}, {@code r}, {@code k} are
 * commands, see openssl-s_server(1)). {@link Mode#WWW} ({@code -www}) answers any request with
 * an HTML status page.
 *
 * <p><b>Protocol messages.</b> With {@link Builder#msg()} ({@code -msg}) every TLS message is
 * logged; received ones start with {@code <<<}, so a client's close_notify shows as
 * {@code <<< TLS 1.3, Alert [length 0002], warning close_notify}
 * ({@link #awaitClientCloseNotify}).
 *
 * <p><b>Lifecycle.</b> The server listens on {@code 127.0.0.1:0}; {@link Builder#start()}
 * returns once s_server has printed {@code ACCEPT 127.0.0.1:<port>}, which it does after
 * {@code listen()} succeeded, so the port accepts connections from then on (no probe connection
 * is made, which would show up in the output). It serves connections one after another until
 * {@link #close()}, which kills it and waits for it to exit ({@link ProcessServer}). Its stdout
 * and stderr are merged into {@link #output()}.
 *
 * <p>The chain file is split: its first certificate goes to {@code -cert} and the others, in
 * order, to {@code -cert_chain}, so the server sends exactly the chain in the file (missing,
 * extra or misordered certificates included). The default trust stores are not loaded
 * ({@code -no-CAfile -no-CApath -no-CAstore}). At Debian's default security level s_server
 * refuses to start with SHA-1- or MD5-signed certificates ({@code ca md too weak}) or an RSA-1024
 * key ({@code ee key too small}); {@link Builder#securityLevel securityLevel(0)} lets it serve them.
 */
public final class OpenSslServer extends ProcessServer {
    /** What s_server does with an established connection. */
    public enum Mode {
        /** {@code -rev}: answers each line reversed; the echo mode. */
        REVERSE("-rev"),
        /** No mode flag: client data to stdout, {@link #sendToClient} text to the client. */
        INTERACTIVE(),
        /** {@code -www}: answers a request with an HTML status page. */
        WWW("-www");

        private final List<String> flags;

        Mode(String... flags) {
            this.flags = List.of(flags);
        }
    }

    private static final Pattern ACCEPT = Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");
    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\\s*", Pattern.DOTALL);
    private static final Pattern CLIENT_CLOSE_NOTIFY = Pattern.compile("(?m)^<<< [^\\n]*Alert[^\\n]*close_notify");

    private volatile int port;

    private OpenSslServer(List<String> command, Path workDir) throws IOException {
        super("openssl-s_server", command, Map.of(), workDir);
    }

    /** A builder for a server presenting the chain in {@code chainPem} (leaf first) with {@code keyPem}. */
    public static Builder builder(Path chainPem, Path keyPem) {
        return new Builder(chainPem, keyPem);
    }

    /** A builder for a server presenting {@code pki}'s leaf + intermediate. */
    public static Builder builder(TestPki pki) {
        return builder(pki.serverChainPem(), pki.serverKeyPem());
    }

    /** Starts an echo ({@link Mode#REVERSE}) server for {@code pki} with the given protocols (default both). */
    public static OpenSslServer start(TestPki pki, TlsProtocol... protocols) {
        return builder(pki).protocols(protocols).start();
    }

    /** {@code line} reversed, as {@link Mode#REVERSE} answers it (without the trailing {@code \n}). */
    public static String reverse(String line) {
        return new StringBuilder(line).reverse().toString();
    }

    @Override
    public int port() {
        return port;
    }

    /** With {@link Builder#msg()}: waits until the server logs receipt of a close_notify alert. */
    public boolean awaitClientCloseNotify(Duration timeout) {
        return awaitOutput(CLIENT_CLOSE_NOTIFY, timeout);
    }

    /** In {@link Mode#INTERACTIVE}: writes {@code text} to s_server's stdin, which sends it to the client. */
    public void sendToClient(String text) {
        writeInput(text);
    }

    @Override
    public String toString() {
        return "OpenSslServer[127.0.0.1:" + port + ", " + String.join(" ", command()) + "]";
    }

    private void awaitAccept(Duration timeout) {
        awaitReady(() -> ACCEPT.matcher(output()).find(), "did not print ACCEPT", timeout);
        Matcher matcher = ACCEPT.matcher(output());
        matcher.find();
        port = Integer.parseInt(matcher.group(1));
    }

    /** Configures and starts an {@link OpenSslServer}. */
    public static final class Builder {
        private final Path chainPem;
        private final Path keyPem;
        private Set<TlsProtocol> protocols = EnumSet.allOf(TlsProtocol.class);
        private Mode mode = Mode.REVERSE;
        private boolean msg;
        private final List<String> extraArgs = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(20);
        private Path executable;

        private Builder(Path chainPem, Path keyPem) {
            this.chainPem = chainPem;
            this.keyPem = keyPem;
        }

        /** Limits the server to these TLS versions ({@code -min_protocol}/{@code -max_protocol}); none means both. */
        public Builder protocols(TlsProtocol... versions) {
            protocols = versions.length == 0 ? EnumSet.allOf(TlsProtocol.class) : EnumSet.of(versions[0], versions);
            return this;
        }

        /** Sets the mode (default {@link Mode#REVERSE}). */
        public Builder mode(Mode value) {
            mode = value;
            return this;
        }

        /** Adds {@code -msg}: log every TLS protocol message sent and received. */
        public Builder msg() {
            msg = true;
            return this;
        }

        /** Appends raw s_server arguments, e.g. {@code "-verify", "1", "-CAfile", ca}. */
        public Builder args(String... args) {
            Collections.addAll(extraArgs, args);
            return this;
        }

        /** How long to wait for s_server to start listening (default 20 s). */
        public Builder startTimeout(Duration timeout) {
            startTimeout = timeout;
            return this;
        }

        /**
         * Sets OpenSSL's security level ({@code -cipher DEFAULT@SECLEVEL=<level>}); 0 allows weak
         * keys and SHA-1/MD5-signed certificates. Do not combine with another {@code -cipher}.
         */
        public Builder securityLevel(int level) {
            return args("-cipher", "DEFAULT@SECLEVEL=" + level);
        }

        /** Uses this openssl executable instead of {@link OpenSsl#executable()}. */
        public Builder executable(Path path) {
            executable = path;
            return this;
        }

        /** Starts s_server and waits until it listens; fails clearly if openssl is missing or exits. */
        public OpenSslServer start() {
            Path openssl = executable != null ? OpenSsl.requireExecutable(executable) : OpenSsl.executable();
            Path workDir = null;
            try {
                workDir = Files.createTempDirectory("openssl-s_server-");
                List<String> command = new ArrayList<>(List.of(openssl.toString(), "s_server",
                        "-accept", "127.0.0.1:0", "-key", keyPem.toAbsolutePath().toString(),
                        "-no-CAfile", "-no-CApath", "-no-CAstore"));
                addCertificates(command, workDir);
                TlsProtocol min = Collections.min(protocols);
                TlsProtocol max = Collections.max(protocols);
                command.addAll(List.of("-min_protocol", min.protocolName(), "-max_protocol", max.protocolName()));
                command.addAll(mode.flags);
                if (msg) {
                    command.add("-msg");
                }
                command.addAll(extraArgs);
                OpenSslServer server = new OpenSslServer(command, workDir);
                server.awaitAccept(startTimeout);
                return server;
            } catch (IOException | RuntimeException e) {
                deleteTree(workDir);
                throw e instanceof IOException
                        ? new UncheckedIOException("cannot start openssl s_server", (IOException) e)
                        : (RuntimeException) e;
            }
        }

        private void addCertificates(List<String> command, Path workDir) throws IOException {
            String pem = Files.readString(chainPem, StandardCharsets.US_ASCII);
            Matcher matcher = PEM_CERTIFICATE.matcher(pem);
            List<String> blocks = new ArrayList<>();
            while (matcher.find()) {
                blocks.add(matcher.group().strip() + "\n");
            }
            if (blocks.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + chainPem);
            }
            Path leaf = Files.writeString(workDir.resolve("leaf.pem"), blocks.get(0));
            command.addAll(List.of("-cert", leaf.toString()));
            if (blocks.size() > 1) {
                Path chain = Files.writeString(workDir.resolve("chain.pem"),
                        String.join("", blocks.subList(1, blocks.size())));
                command.addAll(List.of("-cert_chain", chain.toString()));
            }
        }
    }
}
