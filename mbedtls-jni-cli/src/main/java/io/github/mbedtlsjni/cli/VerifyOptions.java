package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.mbedtls.VerifyProfile;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of {@code verify}, parsed and checked: {@link #parse} either returns options
 * that make sense together or throws a {@link UsageException} saying what is wrong.
 */
final class VerifyOptions {
    /** The usage text printed by {@code verify --help}. */
    static final String USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar verify CHAIN [options]",
            "   or: scripts/mbedtls-jni verify CHAIN [options]",
            "",
            "Verifies the certificate chain in the file CHAIN with Mbed TLS, offline: what a",
            "device running this Mbed TLS decides about the chain, without any server. CHAIN",
            "is PEM (the certificate to check first, then any intermediates, as a server",
            "sends them) or one DER certificate. Mbed TLS parses each certificate, then",
            "mbedtls_x509_crt_verify_with_profile checks the chain.",
            "",
            "Trust (at least one is required; they add up):",
            "  --ca-file PEM          the CA certificates to trust (PEM or DER file)",
            "  --ca-path DIR          every CA certificate file in DIR, e.g. /etc/ssl/certs",
            "  --crl-file PEM         certificate revocation lists to check (needs trust)",
            "",
            "Verification:",
            "  --server-name NAME     the name the certificate must match, a DNS name or an",
            "                         IP address (default: no name is checked)",
            "  --profile default|next|suiteb",
            "                         Mbed TLS's verification profile: which hashes, key types,",
            "                         curves and RSA key sizes are allowed (default: default)",
            "  --purpose tls-server|tls-client|any",
            "                         what the first certificate is for, checked as a",
            "                         handshake checks it (mbedtls_ssl_check_cert_usage):",
            "                         tls-server, the default, is what a TLS client checks of",
            "                         a server (keyUsage digitalSignature, extendedKeyUsage",
            "                         serverAuth); tls-client what a server checks of a",
            "                         client (clientAuth); any checks no usage",
            "",
            "Output:",
            "  --json                 print one JSON object instead of a summary",
            "  --verbose              also each certificate as Mbed TLS's verify callback sees",
            "                         it, from the trust anchor down: depth, subject, flags",
            "                         (JSON: member \"steps\", [{depth, subject, flags,",
            "                         flag_names, verify_info}])",
            "  --help                 print this help and exit",
            "",
            "With --purpose tls-server, verify reports the flags a TLS 1.3 or (EC)DHE handshake",
            "reports for the same chain; a TLS 1.2 RSA key exchange would ask for keyUsage",
            "keyEncipherment instead of digitalSignature.",
            "",
            "JSON members: verification (\"ok\", \"failed\", or \"not run\" when Mbed TLS cannot",
            "parse the chain), error_code (the Mbed TLS error code, 0 if none), error (text or",
            "null), verify_flags, verify_flag_names (Mbed TLS macro names), verify_categories",
            "(x509errors.org categories) and verify_info (when the chain was verified), chain",
            "([{subject, issuer, not_before, not_after, sha256}], as Mbed TLS parsed it, times",
            "in UTC), server_name (null if none), profile, purpose, mbedtls_version.",
            "",
            "Exit status:",
            "  0   the chain verified",
            "  1   the chain did not verify",
            "  2   Mbed TLS cannot parse a certificate of CHAIN (or failed outright)",
            "  64  bad usage, or a file given that cannot be used (missing, unreadable,",
            "      a directory, or for --ca-file/--crl-file not what Mbed TLS can parse)",
            "");

    private Path chain;
    private Path caFile;
    private Path caPath;
    private Path crlFile;
    private String serverName;
    private String profileName = "default";
    private String purposeName = "tls-server";
    private boolean json;
    private boolean verbose;
    private boolean help;

    private VerifyOptions() {}

    /**
     * Parses {@code verify CHAIN [options]}, or a request for help.
     *
     * @throws UsageException if the command line is wrong
     */
    static VerifyOptions parse(String... args) throws UsageException {
        VerifyOptions o = new VerifyOptions();
        if (args.length == 0 || !args[0].equals("verify")) {
            throw new UsageException("expected 'verify CHAIN'");
        }
        boolean profileGiven = false;
        boolean purposeGiven = false;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (ConnectOptions.isHelp(arg)) {
                o.help = true;
                return o;
            }
            if (arg.equals("--json")) {
                o.json = true;
                continue;
            }
            if (arg.equals("--verbose")) {
                o.verbose = true;
                continue;
            }
            if (arg.startsWith("--json=")) {
                throw new UsageException("--json takes no value");
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                if (o.chain != null) {
                    throw new UsageException("unexpected argument '" + arg + "': CHAIN was already given as '" + o.chain + "'");
                }
                o.chain = ConnectOptions.path("CHAIN", arg, null);
                continue;
            }
            ConnectOptions.Option option = ConnectOptions.option(args, i, takesValue(arg));
            String name = option.name;
            String value = option.value;
            i += option.separate ? 1 : 0;
            switch (name) {
                case "--ca-file":
                    o.caFile = ConnectOptions.path(name, value, o.caFile);
                    break;
                case "--ca-path":
                    o.caPath = ConnectOptions.path(name, value, o.caPath);
                    break;
                case "--crl-file":
                    o.crlFile = ConnectOptions.path(name, value, o.crlFile);
                    break;
                case "--server-name":
                    ConnectOptions.once(name, o.serverName);
                    o.serverName = ConnectOptions.checkName(name, value);
                    break;
                case "--profile":
                    if (profileGiven) {
                        throw new UsageException(name + " was given twice");
                    }
                    profileGiven = true;
                    profile(value);
                    o.profileName = value;
                    break;
                case "--purpose":
                    if (purposeGiven) {
                        throw new UsageException(name + " was given twice");
                    }
                    purposeGiven = true;
                    purpose(value);
                    o.purposeName = value;
                    break;
                default:
                    throw new UsageException("unknown option '" + name + "'");
            }
        }
        if (o.chain == null) {
            throw new UsageException("missing CHAIN: the file with the certificates to verify");
        }
        boolean trust = o.caFile != null || o.caPath != null;
        if (!trust) {
            throw new UsageException("--ca-file is required, or --ca-path: there is no default trust store");
        }
        return o;
    }

    private static boolean takesValue(String name) {
        switch (name) {
            case "--ca-file":
            case "--ca-path":
            case "--crl-file":
            case "--server-name":
            case "--profile":
            case "--purpose":
                return true;
            default:
                return false;
        }
    }

    private static VerifyProfile profile(String value) throws UsageException {
        switch (value) {
            case "default":
                return VerifyProfile.DEFAULT;
            case "next":
                return VerifyProfile.NEXT;
            case "suiteb":
                return VerifyProfile.SUITE_B;
            default:
                throw new UsageException("--profile must be default, next or suiteb, not '" + value + "'");
        }
    }

    private static X509Crt.Purpose purpose(String value) throws UsageException {
        switch (value) {
            case "tls-server":
                return X509Crt.Purpose.TLS_SERVER;
            case "tls-client":
                return X509Crt.Purpose.TLS_CLIENT;
            case "any":
                return X509Crt.Purpose.ANY;
            default:
                throw new UsageException("--purpose must be tls-server, tls-client or any, not '" + value + "'");
        }
    }

    /** The purpose's name as given: tls-server (the default), tls-client or any. */
    String purposeName() {
        return purposeName;
    }

    X509Crt.Purpose purpose() {
        try {
            return purpose(purposeName);
        } catch (UsageException e) {
            throw new IllegalStateException(e); // parse() accepted it
        }
    }

    boolean help() {
        return help;
    }

    /** CHAIN: the file to verify. */
    Path chain() {
        return chain;
    }

    Path caFile() {
        return caFile;
    }

    Path caPath() {
        return caPath;
    }

    Path crlFile() {
        return crlFile;
    }

    /** {@code --server-name}, or null: no name check. */
    String serverName() {
        return serverName;
    }

    /** The profile's name as given: default, next or suiteb. */
    String profileName() {
        return profileName;
    }

    VerifyProfile profile() {
        try {
            return profile(profileName);
        } catch (UsageException e) {
            throw new IllegalStateException(e); // parse() accepted it
        }
    }

    /** {@code --verbose}: report each certificate the verify callback sees. */
    boolean verbose() {
        return verbose;
    }

    boolean json() {
        return json;
    }

    /** The trust and CRL files given, by option name. */
    Map<String, Path> files() {
        Map<String, Path> files = new LinkedHashMap<>();
        ConnectOptions.putIfSet(files, "--ca-file", caFile);
        ConnectOptions.putIfSet(files, "--ca-path", caPath);
        ConnectOptions.putIfSet(files, "--crl-file", crlFile);
        return files;
    }
}
