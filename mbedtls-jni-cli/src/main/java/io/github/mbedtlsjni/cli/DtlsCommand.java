package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsHandler;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsSession;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code connect --dtls HOST:PORT} and {@code serve --dtls}: a DTLS 1.2 client and an echo
 * server through {@link DtlsClient} and {@link DtlsServer}, with a pre-shared key or
 * certificates, the Connection ID of RFC 9146 ({@code --cid LEN}) and the MTU ({@code --mtu}),
 * printing the negotiated CIDs, for people or (with {@code --json}) for programs.
 */
final class DtlsCommand {
    static final String CONNECT_USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar connect --dtls HOST:PORT [options]",
            "",
            "Performs a DTLS 1.2 handshake over UDP with Mbed TLS (through mbedtls-jni), optionally",
            "sends one datagram and waits for one answer, and prints what was negotiated.",
            "",
            "  --psk HEX              a pre-shared key (hex), with --psk-identity",
            "  --psk-identity ID      the identity the key is known by",
            "  --ca-file PEM          the CA certificates to trust (certificate suites)",
            "  --server-name NAME     the name the certificate must match (default: HOST)",
            "  --cid LEN              negotiate a Connection ID (RFC 9146), asking the server to",
            "                         use a random CID of LEN bytes (0: none of its own)",
            "  --mtu N                the largest datagram to send (default 1232)",
            "  --ciphersuites LIST    the cipher suites to offer, comma-separated Mbed TLS names",
            "  --send TEXT            send TEXT as one datagram and wait for one answer",
            "  --timeout MS           the longest wait for an answer, and the handshake's",
            "                         retransmission limit (default 10000)",
            "  --json                 print one JSON object: handshake, error_code, error,",
            "                         ciphersuite, own_cid, peer_cid (hex, or null), received",
            "",
            "Exit status: 0 ok, 1 the certificate did not verify, 2 any other failure, 64 bad usage.",
            "");

    static final String SERVE_USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar serve --dtls [options]",
            "",
            "A DTLS 1.2 echo server on one UDP port (through mbedtls-jni's DtlsServer): each",
            "datagram a client sends comes back. Prints a line per event (--json: a JSON object",
            "per line): listening, established (with the CIDs), echo, closed.",
            "",
            "  --bind HOST:PORT       where to listen (default 127.0.0.1:5684)",
            "  --psk HEX              a pre-shared key (hex), with --psk-identity",
            "  --psk-identity ID      the one identity accepted",
            "  --cert PEM --key PEM   the server's certificate chain and key",
            "  --ca-file PEM          trust anchors for client certificates (required with",
            "                         --cert unless --client-auth none)",
            "  --client-auth none|required",
            "  --cid LEN              give each client a random Connection ID of LEN bytes",
            "  --mtu N                the largest datagram to send (default 1232)",
            "  --count N              exit after echoing N datagrams (default: run until killed)",
            "  --json                 one JSON object per event",
            "");

    private DtlsCommand() {}

    /** The options both commands share, parsed. */
    static final class Options {
        String host;
        int port;
        byte[] psk;
        String pskIdentity;
        Path caFile;
        Path cert;
        Path key;
        String serverName;
        AuthMode clientAuth;
        int cid = -1;
        int mtu = 1232;
        String[] ciphersuites;
        String send;
        int timeoutMillis = 10_000;
        int count = -1;
        boolean json;
        boolean help;
    }

    /** Parses {@code args} from index 1 on ({@code connect} or {@code serve} first), skipping {@code --dtls}. */
    static Options parse(String[] args, boolean server) throws UsageException {
        Options o = new Options();
        String address = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--dtls")) {
                continue;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                o.help = true;
                return o;
            }
            if (arg.equals("--json")) {
                o.json = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                if (server || address != null) {
                    throw new UsageException("unexpected argument '" + arg + "'");
                }
                address = arg;
                continue;
            }
            ConnectOptions.Option option = ConnectOptions.option(args, i, true);
            String name = option.name;
            String value = option.value;
            i += option.separate ? 1 : 0;
            switch (name) {
                case "--psk":
                    o.psk = unhex(value);
                    if (o.psk == null) {
                        throw new UsageException("--psk takes the key in hex, e.g. 00112233445566778899aabbccddeeff");
                    }
                    if (o.psk.length == 0) {
                        throw new UsageException("--psk is empty");
                    }
                    break;
                case "--psk-identity":
                    o.pskIdentity = value;
                    break;
                case "--ca-file":
                    o.caFile = Path.of(value);
                    break;
                case "--cert":
                    o.cert = Path.of(value);
                    break;
                case "--key":
                    o.key = Path.of(value);
                    break;
                case "--server-name":
                    o.serverName = value;
                    break;
                case "--client-auth":
                    if (value.equals("none")) {
                        o.clientAuth = AuthMode.NONE;
                    } else if (value.equals("required")) {
                        o.clientAuth = AuthMode.REQUIRED;
                    } else {
                        throw new UsageException("--client-auth takes none or required, not '" + value + "'");
                    }
                    break;
                case "--cid":
                    o.cid = number(name, value, 0, 255);
                    break;
                case "--mtu":
                    o.mtu = number(name, value, 0, 65535);
                    break;
                case "--ciphersuites":
                    o.ciphersuites = value.split(",");
                    break;
                case "--send":
                    o.send = value;
                    break;
                case "--timeout":
                    o.timeoutMillis = number(name, value, 1, Integer.MAX_VALUE);
                    break;
                case "--count":
                    o.count = number(name, value, 1, Integer.MAX_VALUE);
                    break;
                case "--bind":
                    if (!server) {
                        throw new UsageException("--bind is for serve --dtls");
                    }
                    address = value;
                    break;
                default:
                    throw new UsageException("unknown option '" + name + "' for " + (server ? "serve" : "connect") + " --dtls");
            }
        }
        if ((o.psk == null) != (o.pskIdentity == null)) {
            throw new UsageException("--psk and --psk-identity go together");
        }
        if ((o.cert == null) != (o.key == null)) {
            throw new UsageException("--cert and --key go together");
        }
        if (server) {
            if (o.psk == null && o.cert == null) {
                throw new UsageException("serve --dtls needs --psk and --psk-identity, or --cert and --key");
            }
            if (address == null) {
                address = "127.0.0.1:5684";
            }
        } else {
            if (address == null) {
                throw new UsageException("missing HOST:PORT");
            }
            if (o.psk == null && o.caFile == null) {
                throw new UsageException("connect --dtls needs --psk and --psk-identity, or --ca-file");
            }
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException("'" + address + "' is not HOST:PORT");
        }
        o.host = address.substring(0, colon).replace("[", "").replace("]", "");
        o.port = number("port", address.substring(colon + 1), server ? 0 : 1, 65535);
        if (o.serverName == null) {
            o.serverName = o.host;
        }
        if (o.cid >= 0 && MbedTls.versionNumber() < 0x03000000) {
            throw new UsageException("--cid: the DTLS Connection ID of RFC 9146 needs Mbed TLS 3.x; this is Mbed TLS "
                    + MbedTls.version() + ", whose CID is an incompatible draft");
        }
        return o;
    }

    static int number(String name, String value, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(name + " takes a number from " + min + " to " + max + ", not '" + value + "'");
    }

    // --- connect --dtls --------------------------------------------------------------------------

    static int connect(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args, false);
        } catch (UsageException e) {
            return Main.usage(err, e.getMessage(), "connect --dtls");
        }
        if (o.help) {
            out.print(CONNECT_USAGE);
            out.flush();
            return ConnectResult.OK;
        }
        JsonWriter json = new JsonWriter();
        StringBuilder human = new StringBuilder();
        int status;
        DtlsClient.Builder b = DtlsClient.builder().mtu(o.mtu)
                .handshakeTimeout(Duration.ofMillis(Math.min(1000, o.timeoutMillis)), Duration.ofMillis(o.timeoutMillis));
        if (o.psk != null) {
            b.psk(o.pskIdentity, o.psk);
        }
        if (o.caFile != null) {
            b.trustPemFile(o.caFile);
        }
        if (o.cid >= 0) {
            b.cid(o.cid);
        }
        if (o.ciphersuites != null) {
            b.ciphersuites(o.ciphersuites);
        }
        DtlsClient client;
        try {
            client = b.build();
        } catch (IOException e) {
            return Main.usage(err, e.getMessage(), "connect --dtls");
        } catch (RuntimeException e) {
            return Main.usage(err, e.getMessage(), "connect --dtls");
        }
        try (DtlsClient c = client;
                DtlsConnection connection = c.connection(o.host, o.port).serverName(o.serverName).connect()) {
            String own = hex(connection.ownCid());
            String peer = hex(connection.peerCid());
            json.add("handshake", "ok").add("error_code", 0).add("error", null)
                    .add("ciphersuite", connection.ciphersuite()).add("own_cid", own).add("peer_cid", peer)
                    .add("mbedtls_version", MbedTls.version());
            human.append("DTLS 1.2 handshake with ").append(o.host).append(':').append(o.port).append(": ok\n")
                    .append("  cipher suite  ").append(connection.ciphersuite()).append('\n')
                    .append("  own CID       ").append(own == null ? "(none)" : own)
                    .append("   (the server puts it into its records)\n")
                    .append("  peer CID      ").append(peer == null ? "(none)" : peer)
                    .append("   (this client puts it into its records)\n");
            status = ConnectResult.OK;
            if (o.send != null) {
                connection.send(o.send.getBytes(StandardCharsets.UTF_8));
                String received;
                try {
                    byte[] answer = connection.receive(Duration.ofMillis(o.timeoutMillis));
                    received = answer == null ? null : new String(answer, StandardCharsets.UTF_8);
                } catch (SocketTimeoutException e) {
                    received = null;
                    status = ConnectResult.FAILED;
                    json.add("receive_error", "no answer within " + o.timeoutMillis + " ms");
                }
                json.add("received", received);
                human.append("  received      ").append(received == null ? "(nothing)" : received.strip()).append('\n');
            }
        } catch (TlsException e) {
            status = e.isCertificateVerificationFailure() ? ConnectResult.VERIFY_FAILED : ConnectResult.FAILED;
            json.add("handshake", "failed").add("error_code", e.code()).add("error", e.getMessage());
            human.append("DTLS handshake with ").append(o.host).append(':').append(o.port).append(" failed: ")
                    .append(e.getMessage()).append('\n');
        } catch (IOException | RuntimeException e) {
            status = ConnectResult.FAILED;
            json.add("handshake", "failed").add("error_code", 0).add("error", String.valueOf(e.getMessage()));
            human.append("DTLS with ").append(o.host).append(':').append(o.port).append(" failed: ").append(e).append('\n');
        }
        out.print(o.json ? json + "\n" : human);
        out.flush();
        return status;
    }

    // --- serve --dtls ----------------------------------------------------------------------------

    static int serve(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args, true);
        } catch (UsageException e) {
            return Main.usage(err, e.getMessage(), "serve --dtls");
        }
        if (o.help) {
            out.print(SERVE_USAGE);
            out.flush();
            return ConnectResult.OK;
        }
        AtomicInteger echoed = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(1);
        DtlsServer.Builder b = DtlsServer.builder().bind(new InetSocketAddress(o.host, o.port)).mtu(o.mtu)
                .handler(new Echo(out, o.json, o.count, echoed, finished));
        if (o.psk != null) {
            b.psk(o.pskIdentity, o.psk);
        }
        if (o.cert != null) {
            b.identity(o.cert, o.key, null);
        }
        if (o.caFile != null) {
            b.trustPemFile(o.caFile);
        }
        if (o.clientAuth != null) {
            b.clientAuth(o.clientAuth);
        }
        if (o.cid >= 0) {
            b.cid(o.cid);
        }
        if (o.ciphersuites != null) {
            b.ciphersuites(o.ciphersuites);
        }
        try (DtlsServer server = b.start()) {
            InetSocketAddress at = server.localAddress();
            event(out, o.json, new JsonWriter().add("event", "listening").add("address", at.getHostString())
                    .add("port", at.getPort()).add("mbedtls_version", MbedTls.version()),
                    "DTLS echo server on " + at.getHostString() + ":" + at.getPort() + " (Mbed TLS " + MbedTls.version() + ")");
            finished.await();
            return ConnectResult.OK;
        } catch (IOException | RuntimeException e) {
            return Main.usage(err, String.valueOf(e.getMessage()), "serve --dtls");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ConnectResult.FAILED;
        }
    }

    /** The echo handler: reports each event and sends each datagram back. */
    private static final class Echo implements DtlsHandler {
        private final PrintStream out;
        private final boolean json;
        private final int count;
        private final AtomicInteger echoed;
        private final CountDownLatch finished;

        Echo(PrintStream out, boolean json, int count, AtomicInteger echoed, CountDownLatch finished) {
            this.out = out;
            this.json = json;
            this.count = count;
            this.echoed = echoed;
            this.finished = finished;
        }

        @Override
        public void onEstablished(DtlsSession session) {
            String own = hex(session.ownCid());
            String peer = hex(session.peerCid());
            event(out, json, new JsonWriter().add("event", "established").add("peer", session.peerAddress().toString())
                    .add("ciphersuite", session.ciphersuite()).add("own_cid", own).add("peer_cid", peer),
                    "established " + session.peerAddress() + " " + session.ciphersuite() + " own CID "
                            + (own == null ? "(none)" : own) + ", peer CID " + (peer == null ? "(none)" : peer));
        }

        @Override
        public void onDatagram(DtlsSession session, ByteBuffer data) throws IOException {
            int n = data.remaining();
            session.send(data);
            event(out, json, new JsonWriter().add("event", "echo").add("peer", session.peerAddress().toString())
                    .add("bytes", n), "echo " + session.peerAddress() + " " + n + " bytes");
            if (count > 0 && echoed.incrementAndGet() >= count) {
                finished.countDown();
            }
        }

        @Override
        public void onClosed(DtlsSession session) {
            event(out, json, new JsonWriter().add("event", "closed").add("peer", String.valueOf(session.peerAddress())),
                    "closed " + session.peerAddress());
        }
    }

    static synchronized void event(PrintStream out, boolean json, JsonWriter object, String text) {
        out.println(json ? object.toString() : text);
        out.flush();
    }

    private static String hex(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return s.toString();
    }

    /** Hex digits as bytes, or null if {@code text} is not an even number of them. */
    static byte[] unhex(String text) {
        if (text.length() % 2 != 0) {
            return null;
        }
        byte[] b = new byte[text.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(text.charAt(2 * i), 16);
            int lo = Character.digit(text.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }
}
