package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of {@code connect}, parsed and checked: {@link #parse} either returns options
 * that make sense together or throws a {@link UsageException} saying what is wrong.
 */
final class ConnectOptions {
    /** The usage text printed by {@code connect --help} and after a usage error of {@code connect}. */
    static final String USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar connect HOST:PORT [options]",
            "   or: scripts/mbedtls-jni connect HOST:PORT [options]",
            "",
            "Connects to HOST:PORT over TCP, performs a TLS handshake with Mbed TLS (through",
            "mbedtls-jni), verifies the server's certificate and prints what happened.",
            "",
            "  HOST:PORT              the server; an IPv6 address goes in brackets: [::1]:443",
            "",
            "Trust (at least one is required unless --verify optional; they add up):",
            "  --ca-file PEM          the CA certificates to trust (PEM or DER file). There is",
            "                         no default trust store.",
            "  --ca-path DIR          every CA certificate file in DIR, e.g. /etc/ssl/certs,",
            "                         nothing concatenated (files Mbed TLS cannot parse are skipped)",
            "  --jdk-trust            the CA certificates the JDK trusts (its cacerts, or the",
            "                         -Djavax.net.ssl.trustStore given to java)",
            "  --crl-file PEM         certificate revocation lists to check (needs trust)",
            "",
            "Verification:",
            "  --server-name NAME     the name sent as SNI and the name the certificate must",
            "                         match (default: HOST)",
            "  --verify required|optional",
            "                         required (default): the handshake fails unless the",
            "                         certificate verifies. optional: the handshake completes",
            "                         whatever the certificate, and the verification result is",
            "                         reported (insecure: for inspecting certificates only).",
            "",
            "Pre-shared key:",
            "  --psk IDENTITY:HEX     offer PSK suites with this key (hex) and identity; no",
            "                         trust is needed then (a certificate is still verified)",
            "",
            "Client certificate (mutual TLS):",
            "  --cert PEM             the client's certificate chain, leaf first (needs --key)",
            "  --key PEM              its private key, PEM or DER (needs --cert)",
            "  --key-password P       the password of an encrypted --key (other users of this",
            "                         machine can read a command line: for tests and demos)",
            "",
            "Handshake:",
            "  --tls-min 1.2|1.3      the lowest TLS version to accept (default: 1.2)",
            "  --tls-max 1.2|1.3      the highest TLS version to offer (default: 1.3)",
            "  --ciphersuites LIST    the cipher suites to offer, by Mbed TLS name, in order,",
            "                         comma-separated, e.g. TLS1-3-AES-128-GCM-SHA256,",
            "                         TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256 (default: all)",
            "  --alpn LIST            the application protocols to offer by ALPN, in order,",
            "                         comma-separated, e.g. h2,http/1.1",
            "  --timeout MS           a limit in milliseconds for the TCP connect, for the whole",
            "                         handshake and for each read (default: none)",
            "",
            "After the handshake:",
            "  --send TEXT            send TEXT (plus a newline if it does not end with one),",
            "                         then read the answer until a newline arrives or the",
            "                         server closes the connection",
            "  --reconnect N          then connect N more times, each offering the session of",
            "                         the connection before (session ID or ticket), and report",
            "                         whether each handshake resumed it. A TLS 1.3 ticket comes",
            "                         after the handshake: up to 5 s are spent waiting for it.",
            "",
            "Output:",
            "  --show-chain           the server's certificates: subject, issuer, validity and",
            "                         SHA-256 fingerprint of each (of the DER encoding); also",
            "                         when Mbed TLS refused them",
            "  --debug LEVEL          Mbed TLS's debug messages of level 1 (errors) to LEVEL",
            "                         (4: everything) on stderr; 0: none (the default)",
            "  --json                 print one JSON object instead of a summary",
            "  --help                 print this help and exit",
            "",
            "JSON members: handshake (\"ok\" or \"failed\"), error_code (the Mbed TLS error",
            "code, 0 if none), error (text or null), verify_flags, verify_flag_names (Mbed",
            "TLS macro names), verify_categories (x509errors.org categories) and verify_info",
            "(only when a certificate was verified), protocol, ciphersuite, peer_subject (null when",
            "unknown), mbedtls_version, and with --send: received (null if nothing was sent);",
            "with --alpn: alpn (the negotiated protocol or null); with --show-chain: chain",
            "([{subject, issuer, not_before, not_after, sha256}], leaf first, times in UTC);",
            "with --reconnect: resumptions ([{resumed, session_offered, handshake, error_code,",
            "error, protocol, ciphersuite}], one per reconnection).",
            "",
            "Exit status:",
            "  0   the handshake completed and the certificate verified",
            "      (with --verify optional: the handshake completed)",
            "  1   the certificate did not verify",
            "  2   any other failure: network, TLS, timeout, a failed reconnection",
            "  64  bad usage, or a file given that cannot be used (missing, unreadable,",
            "      a directory, not what Mbed TLS can parse, a wrong key password):",
            "      reported on stderr before any connection is made",
            "");

    /** The most reconnections {@code --reconnect} accepts. */
    static final int MAX_RECONNECT = 100;

    private String host;
    private int port;
    private Path caFile;
    private Path crlFile;
    private String serverName;
    private AuthMode verify = AuthMode.REQUIRED;
    private TlsVersion tlsMin = TlsVersion.TLS1_2;
    private TlsVersion tlsMax;
    private String send;
    private boolean json;
    private boolean help;
    private Path caPath;
    private boolean jdkTrust;
    private Path cert;
    private Path key;
    private String keyPassword;
    private List<String> alpn;
    private List<String> ciphersuites;
    private Integer timeoutMillis;
    private Integer debugLevel;
    private Integer reconnect;
    private boolean showChain;
    private String pskIdentity;
    private byte[] psk;

    private ConnectOptions() {}

    /**
     * Parses {@code connect HOST:PORT [options]}, or a request for help ({@code --help} as the
     * command or among the options).
     *
     * @throws UsageException if the command line is wrong
     */
    static ConnectOptions parse(String... args) throws UsageException {
        ConnectOptions o = new ConnectOptions();
        if (args.length == 0) {
            throw new UsageException("missing command: expected 'connect HOST:PORT'");
        }
        if (isHelp(args[0])) {
            o.help = true;
            return o;
        }
        if (!args[0].equals("connect")) {
            throw new UsageException("unknown command '" + args[0] + "': expected 'connect HOST:PORT'");
        }
        String address = null;
        String tlsMinText = null;
        String verifyText = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (isHelp(arg)) {
                o.help = true;
                return o;
            }
            if (arg.equals("--json")) {
                o.json = true;
                continue;
            }
            if (arg.equals("--jdk-trust")) {
                o.jdkTrust = true;
                continue;
            }
            if (arg.equals("--show-chain")) {
                o.showChain = true;
                continue;
            }
            for (String flag : List.of("--json", "--jdk-trust", "--show-chain")) {
                if (arg.startsWith(flag + "=")) {
                    throw new UsageException(flag + " takes no value");
                }
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                if (address != null) {
                    throw new UsageException("unexpected argument '" + arg + "': HOST:PORT was already given as '" + address + "'");
                }
                address = arg;
                continue;
            }
            Option option = option(args, i, isOptionWithValue(arg));
            String name = option.name;
            String value = option.value;
            i += option.separate ? 1 : 0;
            switch (name) {
                case "--ca-file":
                    o.caFile = path(name, value, o.caFile);
                    break;
                case "--crl-file":
                    o.crlFile = path(name, value, o.crlFile);
                    break;
                case "--server-name":
                    once(name, o.serverName);
                    o.serverName = checkName(name, value);
                    break;
                case "--verify":
                    once(name, verifyText);
                    verifyText = value;
                    o.verify = authMode(value);
                    break;
                case "--tls-min":
                    once(name, tlsMinText);
                    tlsMinText = value;
                    o.tlsMin = tlsVersion(name, value);
                    break;
                case "--tls-max":
                    once(name, o.tlsMax);
                    o.tlsMax = tlsVersion(name, value);
                    break;
                case "--send":
                    once(name, o.send);
                    o.send = value;
                    break;
                case "--ca-path":
                    o.caPath = path(name, value, o.caPath);
                    break;
                case "--cert":
                    o.cert = path(name, value, o.cert);
                    break;
                case "--key":
                    o.key = path(name, value, o.key);
                    break;
                case "--key-password":
                    once(name, o.keyPassword);
                    o.keyPassword = value;
                    break;
                case "--alpn":
                    once(name, o.alpn);
                    o.alpn = list(name, value, 255);
                    break;
                case "--ciphersuites":
                    once(name, o.ciphersuites);
                    o.ciphersuites = list(name, value, 0);
                    break;
                case "--timeout":
                    once(name, o.timeoutMillis);
                    o.timeoutMillis = number(name, value, 0, Integer.MAX_VALUE, "a number of milliseconds (0: none)");
                    break;
                case "--debug":
                    once(name, o.debugLevel);
                    o.debugLevel = number(name, value, 0, 4, "a level from 0 (none) to 4 (everything)");
                    break;
                case "--psk":
                    once(name, o.psk);
                    o.pskIdentity = value.substring(0, Math.max(0, value.lastIndexOf(':')));
                    o.psk = psk(value);
                    break;
                case "--reconnect":
                    once(name, o.reconnect);
                    o.reconnect = number(name, value, 0, MAX_RECONNECT, "a number from 0 to " + MAX_RECONNECT);
                    break;
                default:
                    throw new UsageException("unknown option '" + name + "'");
            }
        }
        if (address == null) {
            throw new UsageException("missing HOST:PORT");
        }
        o.parseAddress(address);
        if (o.serverName == null) {
            o.serverName = o.host;
        }
        if (o.tlsMax != null && o.tlsMax.compareTo(o.tlsMin) < 0) {
            throw new UsageException("--tls-max " + text(o.tlsMax) + " is lower than --tls-min " + text(o.tlsMin));
        }
        boolean trust = o.caFile != null || o.caPath != null || o.jdkTrust;
        if (o.crlFile != null && !trust) {
            throw new UsageException("--crl-file needs --ca-file, --ca-path or --jdk-trust "
                    + "(the CRLs are checked along the CA chain)");
        }
        if (!trust && o.verify == AuthMode.REQUIRED && o.psk == null) {
            throw new UsageException("--ca-file is required, or --ca-path or --jdk-trust: there is no default "
                    + "trust store (or use --verify optional to inspect a certificate without trusting it)");
        }
        if (o.cert != null && o.key == null) {
            throw new UsageException("--cert needs --key (the private key of the client certificate)");
        }
        if (o.key != null && o.cert == null) {
            throw new UsageException("--key needs --cert (the client certificate chain)");
        }
        if (o.keyPassword != null && o.key == null) {
            throw new UsageException("--key-password needs --key");
        }
        return o;
    }

    /** True if only help was asked for: nothing else is set then. */
    boolean help() {
        return help;
    }

    /** The host name or IP address to connect to (IPv6 without brackets). */
    String host() {
        return host;
    }

    /** The TCP port, 1..65535. */
    int port() {
        return port;
    }

    /** {@code --psk}'s identity, or null. */
    String pskIdentity() {
        return pskIdentity;
    }

    /** {@code --psk}'s key, or null. */
    byte[] psk() {
        return psk == null ? null : psk.clone();
    }

    /**
     * The key of {@code --psk IDENTITY:HEX} (the identity is what precedes the last colon, and
     * may hold colons itself).
     */
    static byte[] psk(String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        byte[] key = colon > 0 ? DtlsCommand.unhex(value.substring(colon + 1)) : null;
        if (key == null || key.length == 0) {
            throw new UsageException("--psk takes IDENTITY:HEX, e.g. device-17:00112233445566778899aabbccddeeff");
        }
        return key;
    }

    /** {@code --ca-file}, or null. */
    Path caFile() {
        return caFile;
    }

    /** {@code --crl-file}, or null. */
    Path crlFile() {
        return crlFile;
    }

    /** {@code --server-name}, or the host. */
    String serverName() {
        return serverName;
    }

    /** {@link AuthMode#REQUIRED} (the default) or {@link AuthMode#OPTIONAL}. */
    AuthMode verify() {
        return verify;
    }

    /** {@code --tls-min}, TLS 1.2 by default. */
    TlsVersion tlsMin() {
        return tlsMin;
    }

    /** {@code --tls-max}, or null for Mbed TLS's highest. */
    TlsVersion tlsMax() {
        return tlsMax;
    }

    /** {@code --send} text, or null. */
    String send() {
        return send;
    }

    /** {@code --json}. */
    boolean json() {
        return json;
    }

    /** {@code --ca-path}, or null. */
    Path caPath() {
        return caPath;
    }

    /** {@code --jdk-trust}. */
    boolean jdkTrust() {
        return jdkTrust;
    }

    /** {@code --cert}, or null. */
    Path cert() {
        return cert;
    }

    /** {@code --key}, or null. */
    Path key() {
        return key;
    }

    /** {@code --key-password}, or null. */
    String keyPassword() {
        return keyPassword;
    }

    /** {@code --alpn} as a list, or null. */
    List<String> alpn() {
        return alpn;
    }

    /** {@code --ciphersuites} as a list, or null for Mbed TLS's default. */
    List<String> ciphersuites() {
        return ciphersuites;
    }

    /** {@code --timeout} in ms; 0 (none) by default. */
    int timeoutMillis() {
        return timeoutMillis == null ? 0 : timeoutMillis;
    }

    /** {@code --debug} level; 0 (none) by default. */
    int debugLevel() {
        return debugLevel == null ? 0 : debugLevel;
    }

    /** {@code --reconnect} count, or -1 if not given (0 given: no reconnection, but an empty report). */
    int reconnect() {
        return reconnect == null ? -1 : reconnect;
    }

    /** {@code --show-chain}. */
    boolean showChain() {
        return showChain;
    }

    /** The files and directories given, by option name (for messages about them). */
    Map<String, Path> files() {
        Map<String, Path> files = new LinkedHashMap<>();
        putIfSet(files, "--ca-file", caFile);
        putIfSet(files, "--ca-path", caPath);
        putIfSet(files, "--crl-file", crlFile);
        putIfSet(files, "--cert", cert);
        putIfSet(files, "--key", key);
        return files;
    }

    static void putIfSet(Map<String, Path> files, String option, Path path) {
        if (path != null) {
            files.put(option, path);
        }
    }

    /** {@code HOST:PORT} as the user wrote it, IPv6 in brackets. */
    String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private void parseAddress(String address) throws UsageException {
        String portText;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0) {
                throw new UsageException("'" + address + "': missing ']' after the IPv6 address");
            }
            host = address.substring(1, close);
            String rest = address.substring(close + 1);
            if (!rest.startsWith(":")) {
                throw new UsageException("'" + address + "': expected HOST:PORT, e.g. [::1]:443");
            }
            portText = rest.substring(1);
        } else {
            int colon = address.lastIndexOf(':');
            if (colon < 0) {
                throw new UsageException("'" + address + "': expected HOST:PORT, e.g. example.com:443");
            }
            host = address.substring(0, colon);
            if (host.indexOf(':') >= 0) {
                throw new UsageException("'" + address + "': put an IPv6 address in brackets, e.g. [::1]:443");
            }
            portText = address.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new UsageException("'" + address + "': the host is empty");
        }
        checkName("HOST", host);
        port = port(address, portText);
    }

    private static int port(String address, String text) throws UsageException {
        boolean digits = !text.isEmpty() && text.length() <= 5 && allDigits(text);
        int port = digits ? Integer.parseInt(text) : -1;
        if (port < 1 || port > 65535) {
            throw new UsageException("'" + address + "': the port must be a number from 1 to 65535");
        }
        return port;
    }

    static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h") || arg.equals("help");
    }

    /**
     * An option with its value: {@code --name=VALUE}, or {@code --name VALUE} ({@code separate}:
     * the value was the next argument, taken as is even if it starts with '-').
     */
    static final class Option {
        final String name;
        final String value;
        final boolean separate;

        Option(String name, String value, boolean separate) {
            this.name = name;
            this.value = value;
            this.separate = separate;
        }
    }

    /** {@code args[i]} as an {@link Option}, given whether it names an option that takes a value. */
    static Option option(String[] args, int i, boolean takesValue) throws UsageException {
        String arg = args[i];
        int eq = arg.indexOf('=');
        if (arg.startsWith("--") && eq > 0) {
            return new Option(arg.substring(0, eq), arg.substring(eq + 1), false);
        }
        if (takesValue && i + 1 < args.length) {
            return new Option(arg, args[i + 1], true);
        }
        throw new UsageException(takesValue ? arg + " needs a value" : "unknown option '" + arg + "'");
    }

    private static boolean isOptionWithValue(String name) {
        switch (name) {
            case "--ca-file":
            case "--crl-file":
            case "--server-name":
            case "--verify":
            case "--tls-min":
            case "--tls-max":
            case "--send":
            case "--ca-path":
            case "--cert":
            case "--key":
            case "--key-password":
            case "--alpn":
            case "--ciphersuites":
            case "--timeout":
            case "--debug":
            case "--reconnect":
            case "--psk":
                return true;
            default:
                return false;
        }
    }

    static void once(String name, Object previous) throws UsageException {
        if (previous != null) {
            throw new UsageException(name + " was given twice");
        }
    }

    static Path path(String name, String value, Path previous) throws UsageException {
        once(name, previous);
        if (value.isEmpty() || value.indexOf('\0') >= 0) {
            throw new UsageException(name + " needs a file name");
        }
        return Paths.get(value);
    }

    static String checkName(String name, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(name + " is empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == 0x7F) {
                throw new UsageException(name + " '" + value + "' contains a space or control character");
            }
        }
        return value;
    }

    /**
     * A comma-separated list of names, each non-empty, without spaces or control characters and,
     * if {@code maxBytes > 0}, at most that many UTF-8 bytes.
     */
    private static List<String> list(String name, String value, int maxBytes) throws UsageException {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            if (item.isEmpty()) {
                throw new UsageException(name + " needs a comma-separated list without empty items, not '" + value + "'");
            }
            checkName(name, item);
            if (maxBytes > 0 && item.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
                throw new UsageException(name + ": '" + item + "' is longer than " + maxBytes + " bytes");
            }
            items.add(item);
        }
        return List.copyOf(items);
    }

    /** True if every character is an ASCII digit (a loop, not a stream: the CLI's start stays free of lambdas). */
    private static boolean allDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static int number(String name, String value, int min, int max, String what) throws UsageException {
        boolean digits = !value.isEmpty() && value.length() <= 10 && allDigits(value);
        long n = digits ? Long.parseLong(value) : -1;
        if (n < min || n > max) {
            throw new UsageException(name + " must be " + what + ", not '" + value + "'");
        }
        return (int) n;
    }

    private static AuthMode authMode(String value) throws UsageException {
        switch (value) {
            case "required":
                return AuthMode.REQUIRED;
            case "optional":
                return AuthMode.OPTIONAL;
            default:
                throw new UsageException("--verify must be 'required' or 'optional', not '" + value + "'");
        }
    }

    private static TlsVersion tlsVersion(String name, String value) throws UsageException {
        switch (value) {
            case "1.2":
                return TlsVersion.TLS1_2;
            case "1.3":
                return TlsVersion.TLS1_3;
            default:
                throw new UsageException(name + " must be 1.2 or 1.3, not '" + value + "'");
        }
    }

    private static String text(TlsVersion version) {
        return version == TlsVersion.TLS1_2 ? "1.2" : "1.3";
    }
}
