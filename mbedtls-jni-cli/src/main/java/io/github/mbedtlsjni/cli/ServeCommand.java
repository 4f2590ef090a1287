package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.TlsServer;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code serve} (without {@code --dtls}): a TLS server like {@code openssl s_server}, through
 * {@link TlsServer}: certificates ({@code --cert/--key}), client certificates
 * ({@code --ca-file}, {@code --verify}), a pre-shared key ({@code --psk IDENTITY:HEX}), ALPN, one
 * TLS version; each client gets an echo of its lines, or with {@code --http} one small HTTP
 * response. One line per handshake (or a JSON object with {@code --json}): the protocol, suite,
 * ALPN, resumption, the client's chain and Mbed TLS's verify result; a failed handshake says why.
 */
final class ServeCommand {
    static final String USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar serve [options]",
            "",
            "A TLS server on one TCP port (through mbedtls-jni's TlsServer), like openssl s_server:",
            "each client's lines are echoed back (or, with --http, it gets one HTTP response).",
            "Prints one line per handshake (--json: one JSON object per line).",
            "",
            "  --bind HOST:PORT       where to listen (default 127.0.0.1:4433; port 0: any)",
            "  --cert PEM --key PEM   the server's certificate chain (leaf first) and key",
            "  --psk IDENTITY:HEX     accept this pre-shared key (hex) for this identity",
            "  --ca-file PEM          trust anchors for client certificates",
            "  --verify MODE          client certificates: none (default), optional, required",
            "  --alpn LIST            application protocols, comma-separated, preferred first",
            "  --tls1_2, --tls1_3     only this TLS version (default: 1.2 and 1.3)",
            "  --ciphersuites LIST    the cipher suites allowed, comma-separated Mbed TLS names",
            "  --http                 answer each client with one HTTP/1.1 200 response",
            "  --count N              exit after N handshakes (default: run until killed)",
            "  --json                 one JSON object per event",
            "",
            "Exit status: 0 ok, 2 the server failed, 64 bad usage.",
            "For a DTLS server see: help serve --dtls.",
            "");

    private ServeCommand() {}

    /** The options, parsed. */
    static final class Options {
        String host = "127.0.0.1";
        int port = 4433;
        Path cert;
        Path key;
        String pskIdentity;
        byte[] psk;
        Path caFile;
        AuthMode verify = AuthMode.NONE;
        String[] alpn;
        TlsVersion version;
        String[] ciphersuites;
        boolean http;
        int count = -1;
        boolean json;
        boolean help;
    }

    static Options parse(String[] args) throws UsageException {
        Options o = new Options();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help": case "-h": o.help = true; return o;
                case "--json": o.json = true; continue;
                case "--http": o.http = true; continue;
                case "--tls1_2": o.version = only(o.version, TlsVersion.TLS1_2); continue;
                case "--tls1_3": o.version = only(o.version, TlsVersion.TLS1_3); continue;
                default: break;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            ConnectOptions.Option option = ConnectOptions.option(args, i, true);
            String name = option.name;
            String value = option.value;
            i += option.separate ? 1 : 0;
            switch (name) {
                case "--bind": bind(o, value); break;
                case "--cert": o.cert = Path.of(value); break;
                case "--key": o.key = Path.of(value); break;
                case "--psk":
                    o.psk = ConnectOptions.psk(value);
                    o.pskIdentity = value.substring(0, value.lastIndexOf(':'));
                    break;
                case "--ca-file": o.caFile = Path.of(value); break;
                case "--verify": o.verify = authMode(value); break;
                case "--alpn": o.alpn = list(name, value); break;
                case "--ciphersuites": o.ciphersuites = list(name, value); break;
                case "--count": o.count = DtlsCommand.number(name, value, 1, Integer.MAX_VALUE); break;
                default: throw new UsageException("unknown option '" + name + "' for serve");
            }
        }
        if ((o.cert == null) != (o.key == null)) {
            throw new UsageException("--cert and --key go together");
        }
        if (o.cert == null && o.psk == null) {
            throw new UsageException("serve needs --cert and --key, or --psk IDENTITY:HEX");
        }
        if (o.verify != AuthMode.NONE && o.caFile == null) {
            throw new UsageException("--verify " + o.verify.name().toLowerCase() + " needs --ca-file with the CA of the "
                    + "client certificates");
        }
        if (o.version == TlsVersion.TLS1_3 && !MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3")) {
            throw new UsageException("--tls1_3: this Mbed TLS (" + MbedTls.version() + ") has no TLS 1.3");
        }
        return o;
    }

    private static TlsVersion only(TlsVersion previous, TlsVersion version) throws UsageException {
        if (previous != null && previous != version) {
            throw new UsageException("--tls1_2 and --tls1_3 exclude each other (give neither for both)");
        }
        return version;
    }

    private static void bind(Options o, String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException("--bind takes HOST:PORT, not '" + value + "'");
        }
        o.host = value.substring(0, colon).replace("[", "").replace("]", "");
        o.port = DtlsCommand.number("port", value.substring(colon + 1), 0, 65535);
    }

    private static AuthMode authMode(String value) throws UsageException {
        switch (value) {
            case "none": return AuthMode.NONE;
            case "optional": return AuthMode.OPTIONAL;
            case "required": return AuthMode.REQUIRED;
            default: throw new UsageException("--verify takes none, optional or required, not '" + value + "'");
        }
    }

    private static String[] list(String name, String value) throws UsageException {
        String[] items = value.split(",");
        if (value.isEmpty() || Arrays.stream(items).anyMatch(String::isEmpty)) {
            throw new UsageException(name + " takes a comma-separated list, not '" + value + "'");
        }
        return items;
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (UsageException e) {
            return Main.usage(err, e.getMessage(), "serve");
        }
        if (o.help) {
            out.print(USAGE);
            out.flush();
            return ConnectResult.OK;
        }
        TlsServer server;
        try {
            server = builder(o).build().bind(o.host, o.port);
        } catch (IOException | RuntimeException e) {
            Map<String, Path> files = new LinkedHashMap<>();
            ConnectOptions.putIfSet(files, "--cert", o.cert);
            ConnectOptions.putIfSet(files, "--key", o.key);
            ConnectOptions.putIfSet(files, "--ca-file", o.caFile);
            return Main.usage(err, FileProblem.describe(e, files), "serve");
        }
        try (server) {
            event(out, o.json, new JsonWriter().add("event", "listening").add("address", o.host)
                    .add("port", server.port()).add("mbedtls_version", MbedTls.version()),
                    "TLS " + (o.http ? "HTTP" : "echo") + " server on " + o.host + ":" + server.port() + " (Mbed TLS "
                            + MbedTls.version() + ")");
            for (int n = 0; o.count < 0 || n < o.count; n++) {
                TlsConnection c;
                try {
                    c = server.accept();
                } catch (TlsException e) {
                    event(out, o.json, new JsonWriter().add("event", "handshake").add("handshake", "failed")
                            .add("error_code", e.code()).add("error", e.getMessage()), e.getMessage());
                    continue;
                } catch (SocketException e) {
                    return ConnectResult.FAILED;
                } catch (IOException e) {
                    event(out, o.json, new JsonWriter().add("event", "handshake").add("handshake", "failed")
                            .add("error_code", 0).add("error", String.valueOf(e.getMessage())), String.valueOf(e.getMessage()));
                    continue;
                }
                report(out, o.json, c);
                Thread worker = new Thread(() -> answer(c, o.http), "serve " + c.host() + ":" + c.port());
                worker.start();
                if (o.count > 0 && n + 1 == o.count) {
                    join(worker); // the last client gets its answer before the server exits
                }
            }
            return ConnectResult.OK;
        }
    }

    private static TlsServer.Builder builder(Options o) {
        TlsServer.Builder b = TlsServer.builder().clientAuth(o.verify);
        if (o.cert != null) {
            b.identity(o.cert, o.key, null);
        }
        if (o.psk != null) {
            String identity = o.pskIdentity;
            byte[] key = o.psk;
            b.pskLookup(id -> identity.equals(new String(id, StandardCharsets.UTF_8)) ? key.clone() : null);
        }
        if (o.caFile != null) {
            b.trustPemFile(o.caFile);
        }
        if (o.alpn != null) {
            b.alpn(o.alpn);
        }
        if (o.version != null) {
            b.tlsVersions(o.version, o.version);
        }
        if (o.ciphersuites != null) {
            b.ciphersuites(o.ciphersuites);
        }
        return b;
    }

    /** One line (or JSON object) for a handshake that succeeded. */
    private static void report(PrintStream out, boolean json, TlsConnection c) {
        List<String> chain = new ArrayList<>();
        try (X509Crt peer = c.peerChain()) {
            for (int i = 0; peer != null && i < peer.size(); i++) {
                chain.add(ConnectResult.ChainEntry.name(peer, i, true));
            }
        }
        VerifyResult verify = c.verifyResult();
        String verified = chain.isEmpty() ? "no client certificate"
                : verify.isOk() ? "client certificate verified" : "client certificate NOT verified: " + verify.flagNames();
        event(out, json, new JsonWriter().add("event", "handshake").add("handshake", "ok").add("peer", c.host() + ":" + c.port())
                .add("protocol", c.protocol()).add("ciphersuite", c.ciphersuite()).add("alpn", c.alpnProtocol())
                .add("resumed", c.isResumed()).addStrings("client_chain", chain)
                .add("verify_flags", verify.isAvailable() ? verify.flags() & 0xFFFFFFFFL : -1)
                .addStrings("verify_flag_names", verify.isAvailable() ? verify.flagNames() : List.of()),
                "handshake " + c.host() + ":" + c.port() + " " + c.protocol() + " " + c.ciphersuite()
                        + (c.alpnProtocol() == null ? "" : " alpn " + c.alpnProtocol())
                        + (c.isResumed() ? " resumed" : "") + ", " + verified
                        + (chain.isEmpty() ? "" : " " + chain));
    }

    /** Echoes the client's lines back, or gives one HTTP response; then closes the connection. */
    private static void answer(TlsConnection c, boolean http) {
        try (c) {
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            OutputStream o = c.getOutputStream();
            if (http) {
                String request = in.readLine();
                for (String line = request; line != null && !line.isEmpty(); line = in.readLine()) {
                    // the headers, to the empty line
                }
                byte[] body = ("mbedtls-jni " + c.protocol() + " " + c.ciphersuite() + "\n").getBytes(StandardCharsets.UTF_8);
                o.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.write(body);
            } else {
                for (String line; (line = in.readLine()) != null; ) {
                    o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void event(PrintStream out, boolean json, JsonWriter object, String text) {
        DtlsCommand.event(out, json, object, text);
    }
}
