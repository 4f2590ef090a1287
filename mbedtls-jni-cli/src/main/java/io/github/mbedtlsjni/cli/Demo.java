package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.VerifyFlag;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code demo}: the main job in one command. Generates a PKI with the {@code openssl} command,
 * serves it with {@code openssl s_server} on 127.0.0.1 and connects through Mbed TLS
 * ({@link TlsClient}): a verified session with an echo round trip and a resumption, then a table
 * of certificate failures, one server per flaw, each with Mbed TLS's verify flags and info.
 * With {@code HOST:PORT}, the same against a real server. Expected failures are shown, never
 * thrown.
 */
final class Demo {
    static final String USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar demo [HOST:PORT] [--ca-file PEM]",
            "   or: scripts/demo [HOST:PORT] [--ca-file PEM]",
            "",
            "Without HOST:PORT: generates a fresh PKI with the openssl command (a root CA, an",
            "intermediate CA, a good certificate for localhost and ten flawed ones), serves it",
            "with openssl s_server on 127.0.0.1 and connects through Mbed TLS: a verified",
            "session (protocol, cipher suite, peer chain, verify result), an echo round trip",
            "and a resumed session; then one server per flaw (expired, not yet valid, wrong",
            "host, unknown CA, revoked, self-signed, missing intermediate, wrong purpose, SHA-1",
            "signature, RSA-1024 key), each refused with Mbed TLS's verify flags and info.",
            "Stops its servers and deletes the PKI. No other host is involved.",
            "",
            "With HOST:PORT: the verified session with that server, trusting --ca-file PEM (or",
            "else /etc/ssl/certs/ca-certificates.crt, or else the JDK's CAs); then the same",
            "server checked against a wrong name and against an unknown CA.",
            "",
            "Needs the openssl command. Marks are ✔/✘ in a UTF-8 locale and [ok]/[FAIL]",
            "otherwise (MBEDTLS_JNI_ASCII=1 forces these); colors only on a terminal, unless",
            "NO_COLOR is set.",
            "",
            "Exit status:",
            "  0   the session verified (and, locally, every flaw was refused as expected)",
            "  1   a certificate did not verify, or a flaw was not refused as expected",
            "  2   any other failure: network, TLS, openssl missing",
            "  64  bad usage, or a --ca-file that cannot be used (one line on stderr)",
            "");

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt";
    private static final String HELLO = "hello from mbedtls-jni";
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final int LABEL = 15;
    private static final int CASE_COLUMN = 36;
    private static final int FLAGS_COLUMN = 12;

    private final PrintStream out;
    private final Style style;

    private Demo(PrintStream out, Style style) {
        this.out = out;
        this.style = style;
    }

    /** One flawed server of the table. */
    private static final class Case {
        final String name;
        final String description;
        final DemoPki.Served served;
        final boolean weak;
        final VerifyFlag expected;

        Case(String name, String description, DemoPki.Served served, boolean weak, VerifyFlag expected) {
            this.name = name;
            this.description = description;
            this.served = served;
            this.weak = weak;
            this.expected = expected;
        }
    }

    /**
     * Runs {@code demo [HOST:PORT] [--ca-file PEM]} ({@code args} without the command name).
     *
     * @return the exit status (see {@link #USAGE})
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String address = null;
        Path caFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                out.flush();
                return ConnectResult.OK;
            } else if (a.equals("--ca-file") && i + 1 < args.length && caFile == null && !args[i + 1].isEmpty()) {
                caFile = Paths.get(args[++i]);
            } else if (a.startsWith("--ca-file=") && caFile == null && a.length() > "--ca-file=".length()) {
                caFile = Paths.get(a.substring("--ca-file=".length()));
            } else if (!a.startsWith("-") && address == null) {
                address = a;
            } else {
                return usage(err, a.startsWith("-") ? "demo: unexpected or incomplete option '" + a + "'"
                        : "demo: unexpected argument '" + a + "'");
            }
        }
        ConnectOptions target = null;
        if (address != null) {
            try {
                target = ConnectOptions.parse("connect", address, "--verify", "optional");
            } catch (UsageException e) {
                return usage(err, "demo: " + e.getMessage());
            }
        } else if (caFile != null) {
            return usage(err, "demo: --ca-file needs HOST:PORT (the local demo makes its own CA)");
        }
        Demo demo = new Demo(out, Style.detect());
        try {
            if (target == null) {
                return demo.local();
            }
            TlsClient client;
            try {
                client = remoteClient(caFile); // before anything is shown: a bad --ca-file is a usage error
            } catch (IOException e) {
                return usage(err, FileProblem.describe("--ca-file", caFile, e));
            }
            return demo.remote(client, caFile, target.host(), target.port());
        } catch (IOException | RuntimeException | LinkageError e) {
            demo.line(demo.style.fail(), "failed", e.getMessage() == null ? e.toString() : e.getMessage());
            return ConnectResult.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ConnectResult.FAILED;
        } finally {
            out.flush();
        }
    }

    private static int usage(PrintStream err, String message) {
        return Main.usage(err, message, "demo");
    }

    // ---- the local demo ------------------------------------------------------------------------

    private int local() throws IOException, InterruptedException {
        header();
        Path dir = Files.createTempDirectory("mbedtls-jni-demo-");
        List<DemoServer> servers = new ArrayList<>();
        Thread cleanup = new Thread(() -> {
            servers.forEach(DemoServer::close);
            delete(dir);
        });
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C: still stop the servers
        try {
            section("1/3", "A fresh PKI, generated with " + opensslVersion(dir));
            DemoPki pki = DemoPki.generate(dir);
            detail("CA", "\"" + DemoPki.ROOT_NAME + "\" " + style.arrow() + " \"" + DemoPki.INTERMEDIATE_NAME
                    + "\" " + style.arrow() + " leaf \"" + DemoPki.SERVER_NAME + "\" (ECDSA P-256)");
            detail("flawed", "10 more leaves, one flaw each, and the intermediate's CRL");
            detail("in", dir.toString());

            DemoServer server = DemoServer.start(pki.good, dir, false);
            servers.add(server);
            detail("server", "openssl s_server on 127.0.0.1:" + server.port()
                    + ", sending the leaf and the intermediate; it answers each line reversed");
            out.println();

            TlsClient client = TlsClient.builder().trustPemFile(pki.rootPem).crlFile(pki.crlPem)
                    .connectTimeout(LIMIT).handshakeTimeout(LIMIT).readTimeout(LIMIT).build();
            section("2/3", "A verified session through Mbed TLS, to " + DemoPki.SERVER_NAME + ":" + server.port());
            boolean verified = session(client, DemoPki.SERVER_NAME, server.port(), true);
            server.close();
            servers.remove(server);
            out.println();

            section("3/3", "Certificate failures: one server per flaw; Mbed TLS must refuse every handshake");
            List<Case> cases = List.of(
                    new Case("expired", "leaf expired yesterday", pki.expired, false, VerifyFlag.BADCERT_EXPIRED),
                    new Case("not yet valid", "leaf valid from tomorrow on", pki.notYetValid, false,
                            VerifyFlag.BADCERT_FUTURE),
                    new Case("wrong host", "leaf for www.example.com", pki.wrongHost, false,
                            VerifyFlag.BADCERT_CN_MISMATCH),
                    new Case("unknown CA", "chain from a CA the client lacks", pki.unknownCa, false,
                            VerifyFlag.BADCERT_NOT_TRUSTED),
                    new Case("revoked", "leaf on the intermediate's CRL", pki.revoked, false,
                            VerifyFlag.BADCERT_REVOKED),
                    new Case("self-signed", "leaf signed by its own key", pki.selfSigned, false,
                            VerifyFlag.BADCERT_NOT_TRUSTED),
                    new Case("missing intermediate", "server sends the leaf alone", pki.missingIntermediate, false,
                            VerifyFlag.BADCERT_NOT_TRUSTED),
                    new Case("wrong purpose", "extendedKeyUsage clientAuth only", pki.clientOnly, false,
                            VerifyFlag.BADCERT_EXT_KEY_USAGE),
                    new Case("SHA-1 signature", "leaf signed with ecdsa-with-SHA1", pki.sha1, true,
                            VerifyFlag.BADCERT_BAD_MD),
                    new Case("RSA-1024 key", "leaf with a 1024-bit RSA key", pki.rsa1024, true,
                            VerifyFlag.BADCERT_BAD_KEY));
            tableHeader();
            int asExpected = 0;
            for (Case c : cases) {
                try (DemoServer flawed = DemoServer.start(c.served, dir, c.weak)) {
                    servers.add(flawed);
                    if (row(c.name, c.description, attempt(client, DemoPki.SERVER_NAME, flawed.port()), c.expected)) {
                        asExpected++;
                    }
                    servers.remove(flawed);
                }
            }
            out.println();
            boolean allRefused = asExpected == cases.size();
            if (allRefused) {
                line(style.ok(), "table", "all " + cases.size() + " refused, each with the expected flag");
            } else {
                line(style.fail(), "table", (cases.size() - asExpected) + " of " + cases.size()
                        + " not refused as expected (marked " + style.warn().strip() + ")");
            }
            client.close();
            out.println();
            out.println("Servers stopped, PKI deleted. " + (verified && allRefused
                    ? "Everything behaved as Mbed TLS should." : "Something did not behave as expected."));
            return verified && allRefused ? ConnectResult.OK : ConnectResult.VERIFY_FAILED;
        } finally {
            servers.forEach(DemoServer::close);
            delete(dir);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    // ---- a real server -------------------------------------------------------------------------

    /** The client of the real-server mode: trusting {@code caFile}, else the system's CAs, else the JDK's. */
    private static TlsClient remoteClient(Path caFile) throws IOException {
        TlsClient.Builder b = TlsClient.builder().connectTimeout(LIMIT).handshakeTimeout(LIMIT).readTimeout(LIMIT);
        if (caFile != null) {
            b.trustPemFile(caFile);
        } else if (Files.isRegularFile(Paths.get(SYSTEM_CA_FILE))) {
            b.trustPemFile(Paths.get(SYSTEM_CA_FILE));
        } else {
            b.trustJdkDefaults();
        }
        return b.build();
    }

    private int remote(TlsClient client, Path caFile, String host, int port) throws IOException, InterruptedException {
        header();
        String trust = caFile != null ? caFile.toString()
                : Files.isRegularFile(Paths.get(SYSTEM_CA_FILE)) ? SYSTEM_CA_FILE : "the JDK's CAs";
        String where = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        section("1/2", "A verified session with " + where + " through Mbed TLS");
        detail("trust", trust + " (" + client.trustAnchorCount() + " CA certificates)");
        boolean verified;
        try {
            verified = session(client, host, port, false);
        } catch (IOException e) {
            Attempt a = Attempt.of(e);
            line(style.fail(), "connect", a.error);
            if (a.verify != null) {
                verifyLines(a.verify);
                return ConnectResult.VERIFY_FAILED;
            }
            return ConnectResult.FAILED;
        }
        out.println();

        section("2/2", "The same server, made to fail");
        tableHeader();
        row("wrong host", "verified as wrong-host.invalid",
                attempt(client.connection(host, port).serverName("wrong-host.invalid").sni(host)),
                VerifyFlag.BADCERT_CN_MISMATCH);
        Path dir = Files.createTempDirectory("mbedtls-jni-demo-");
        try {
            Path otherRoot = DemoPki.rootOnly(dir);
            try (TlsClient stranger = TlsClient.builder().trustPemFile(otherRoot).connectTimeout(LIMIT)
                    .handshakeTimeout(LIMIT).readTimeout(LIMIT).build()) {
                row("unknown CA", "trusting only a fresh demo CA", attempt(stranger, host, port),
                        VerifyFlag.BADCERT_NOT_TRUSTED);
            }
        } catch (IOException e) {
            line(style.warn(), "unknown CA", "skipped: " + e.getMessage());
        } finally {
            delete(dir);
        }
        client.close();
        out.println();
        return verified ? ConnectResult.OK : ConnectResult.VERIFY_FAILED;
    }

    // ---- the verified session ------------------------------------------------------------------

    /**
     * Connects, shows the session, exchanges a line (locally, with s_server -rev; for a real
     * server on port 443, an HTTP HEAD), resumes, closes. True if all that went well.
     */
    private boolean session(TlsClient client, String host, int port, boolean echo) throws IOException {
        SslSession session;
        boolean ok = true;
        try (TlsConnection c = client.connect(host, port)) {
            line(style.ok(), "handshake", c.protocol() + ", " + c.ciphersuite());
            VerifyResult v = c.verifyResult();
            if (v.isOk()) {
                line(style.ok(), "certificate", String.format("verified for \"%s\" (flags 0x%08x)", host, v.flags()));
            } else {
                line(style.fail(), "certificate", v.describe());
                verifyLines(v);
                ok = false;
            }
            chain(c);
            if (echo) {
                String answer = exchange(c, HELLO + "\n", true);
                boolean reversed = answer.equals(new StringBuilder(HELLO).reverse().toString());
                line(reversed ? style.ok() : style.fail(), "echo",
                        "sent \"" + HELLO + "\", got back \"" + answer + "\"" + (reversed ? " (reversed by the server)" : ""));
                ok &= reversed;
            } else if (port == 443) {
                String status = exchange(c, "HEAD / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", false);
                line(status.startsWith("HTTP/") ? style.ok() : style.warn(), "HTTP HEAD /",
                        status.isEmpty() ? "no answer" : status);
            }
            session = ConnectCommand.awaitSession(c, echo || port == 443); // a TLS 1.3 ticket comes with a read
        }
        line(style.ok(), "closed", "close_notify sent");
        if (session == null) {
            line(style.warn(), "resumption", "the server gave no session to resume");
            return ok;
        }
        try (SslSession offered = session;
                TlsConnection again = client.connection(host, port).resume(offered).connect()) {
            if (again.isResumed()) {
                line(style.ok(), "resumption", "a second connection resumed the session: abbreviated handshake, "
                        + "no certificate sent");
            } else {
                line(style.warn(), "resumption", "a second connection was offered the session; the server made a full handshake");
            }
        } catch (IOException e) {
            line(style.fail(), "resumption", Attempt.of(e).error);
            ok = false;
        }
        return ok;
    }

    /** The server's chain, everything as Mbed TLS parsed it. */
    private void chain(TlsConnection c) {
        try (X509Crt peer = c.peerChain()) {
            if (peer == null) {
                return;
            }
            for (int i = 0; i < peer.size(); i++) {
                String label = i == 0 ? "peer chain" : "";
                String subject = ConnectResult.ChainEntry.name(peer, i, true);
                line(style.noMark(), label, "[" + i + "] " + style.bold(ConnectResult.ChainEntry.shown(subject)));
                line(style.noMark(), "", "    issuer  " + ConnectResult.ChainEntry.shown(ConnectResult.ChainEntry.name(peer, i, false)));
                line(style.noMark(), "", "    valid   " + DAY.format(peer.validFrom(i)) + " to " + DAY.format(peer.validTo(i)));
                line(style.noMark(), "", "    sha256  " + style.dim(ConnectCommand.sha256Hex(peer.der(i))));
            }
        }
    }

    /** Sends {@code text}, returns the first line of the answer (empty if none came). */
    private static String exchange(TlsConnection c, String text, boolean untilNewline) throws IOException {
        c.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        InputStream in = c.getInputStream();
        StringBuilder answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        try {
            for (int n; answer.indexOf("\n") < 0 && (n = in.read(buffer)) > 0; ) {
                answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException | io.github.mbedtlsjni.TruncationException e) {
            // what came is the answer
        }
        int end = answer.indexOf("\n");
        String first = end < 0 ? answer.toString() : answer.substring(0, end);
        return first.strip();
    }

    // ---- the table -----------------------------------------------------------------------------

    /** What one connection attempt ended in. */
    private static final class Attempt {
        final boolean accepted;
        final VerifyResult verify;
        final String error;

        private Attempt(boolean accepted, VerifyResult verify, String error) {
            this.accepted = accepted;
            this.verify = verify;
            this.error = error;
        }

        static Attempt of(IOException e) {
            VerifyResult v = e instanceof TlsException ? ((TlsException) e).verifyResult() : null;
            Throwable cause = e.getCause();
            String text = cause != null && cause.getMessage() != null && !(e instanceof SocketTimeoutException)
                    ? cause.getMessage() : e.getMessage() != null ? e.getMessage() : e.toString();
            return new Attempt(false, v, text);
        }
    }

    private static Attempt attempt(TlsClient client, String host, int port) {
        return attempt(client.connection(host, port));
    }

    private static Attempt attempt(TlsClient.ConnectionBuilder connection) {
        try (TlsConnection c = connection.connect()) {
            return new Attempt(true, c.verifyResult(), null);
        } catch (IOException e) {
            return Attempt.of(e);
        }
    }

    private void tableHeader() {
        out.println("  " + style.noMark() + " " + style.bold(pad("CASE: WHAT THE SERVER SENDS", CASE_COLUMN)
                + pad("FLAGS", FLAGS_COLUMN) + "MBED TLS FLAGS AND VERIFY INFO"));
    }

    /**
     * One row: the case and its description on the left, the flags, then the flag names and
     * Mbed TLS's verify info lines. True if the handshake was refused with the expected flag.
     */
    private boolean row(String name, String description, Attempt a, VerifyFlag expected) {
        boolean asExpected = !a.accepted && a.verify != null && a.verify.has(expected);
        String mark = asExpected ? style.fail() : style.warn();
        List<String> right = new ArrayList<>();
        String flags;
        if (a.verify != null) {
            flags = String.format("0x%08x", a.verify.flags());
            right.addAll(a.verify.flagNames());
            for (String info : a.verify.info().split("\n")) {
                if (!info.isBlank()) {
                    right.add(style.dim(info.strip()));
                }
            }
        } else {
            flags = "-";
            right.add(a.accepted ? "accepted!" : a.error);
        }
        if (!asExpected) {
            right.add(style.yellow("expected " + expected.mbedtlsName() + (a.accepted ? ", but the handshake succeeded" : "")));
        }
        List<String> left = List.of(style.bold(pad(name, CASE_COLUMN)), style.dim(pad("  " + description, CASE_COLUMN)));
        int lines = Math.max(left.size(), right.size());
        for (int i = 0; i < lines; i++) {
            String l = i < left.size() ? left.get(i) : pad("", CASE_COLUMN);
            String f = i == 0 ? pad(flags, FLAGS_COLUMN) : pad("", FLAGS_COLUMN);
            String r = i < right.size() ? right.get(i) : "";
            out.println(("  " + (i == 0 ? mark : style.noMark()) + " " + l + f + r).stripTrailing());
        }
        return asExpected;
    }

    // ---- layout --------------------------------------------------------------------------------

    private void header() {
        out.println(style.bold("mbedtls-jni demo") + " " + style.dash() + " Mbed TLS " + MbedTls.version()
                + " (" + MbedTls.buildSource() + " build) through JNI, on Java " + System.getProperty("java.version"));
        out.println();
    }

    private void section(String number, String title) {
        out.println(style.bold("[" + number + "] " + title));
    }

    private void detail(String label, String text) {
        line(style.noMark(), label, text);
    }

    private void line(String mark, String label, String text) {
        out.println(("  " + mark + " " + pad(label, LABEL) + text).stripTrailing());
    }

    private void verifyLines(VerifyResult v) {
        for (String name : v.flagNames()) {
            line(style.noMark(), "", name);
        }
        for (String info : v.info().split("\n")) {
            if (!info.isBlank()) {
                line(style.noMark(), "", style.dim(info.strip()));
            }
        }
    }

    private static String pad(String s, int width) {
        StringBuilder sb = new StringBuilder(s);
        while (sb.length() < width) {
            sb.append(' ');
        }
        if (sb.length() == s.length()) {
            sb.append(' ');
        }
        return sb.toString();
    }

    /** {@code OpenSSL 3.0.19}: the first two words of {@code openssl version}. */
    private static String opensslVersion(Path dir) throws IOException, InterruptedException {
        String[] words = DemoPki.run(dir, "version").strip().split("\\s+");
        return words.length >= 2 ? words[0] + " " + words[1] : String.join(" ", words);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temporary file
                }
            });
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
