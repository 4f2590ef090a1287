package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.io.IOException;
import java.io.PrintStream;

/**
 * The command-line client, {@code java -jar mbedtls-jni-cli.jar COMMAND} (or
 * {@code scripts/mbedtls-jni COMMAND}): {@code connect HOST:PORT [options]} connects to a TLS
 * server with Mbed TLS through the public mbedtls-jni API and reports the handshake and
 * certificate verification, for people or (with {@code --json}) for programs; {@code demo} runs
 * the demo; {@code verify CHAIN [options]} verifies a chain file offline; {@code version} prints
 * the versions. {@code --help} lists the commands, {@code COMMAND --help} details one. Exit
 * statuses: 0 ok, 1 certificate not verified, 2 other failure, 64 bad usage. A usage error is one
 * line on stderr, with where to find help; so is a file given that cannot be used, found before
 * anything else happens.
 */
public final class Main {
    /** The usage text of {@code --help}: the commands. */
    static final String USAGE = String.join("\n",
            "Usage: java -jar mbedtls-jni-cli.jar COMMAND [options]",
            "   or: scripts/mbedtls-jni COMMAND [options]",
            "",
            "A TLS client built on Mbed TLS, the C library, through mbedtls-jni.",
            "",
            "Commands:",
            "  connect HOST:PORT [options]   connect, verify the server's certificate and report",
            "                                the handshake (a summary, or JSON with --json)",
            "  verify CHAIN [options]        verify a certificate chain file offline, as Mbed TLS",
            "                                would in a handshake (no network)",
            "  connect --dtls HOST:PORT [options]",
            "                                the same over UDP: DTLS 1.2, PSK or certificates, the",
            "                                Connection ID (--cid LEN), one datagram sent (--send)",
            "  serve [options]               a TLS server like openssl s_server: certificates or a",
            "                                PSK, client certificates, ALPN, echo or --http; one",
            "                                line (or JSON object) per handshake",
            "  serve --dtls [options]        a DTLS 1.2 echo server (PSK or certificates, --cid LEN)",
            "  req --subject DN --out CSR [options]",
            "                                a new key (or --key FILE) and a CSR, written by Mbed TLS",
            "  demo [HOST:PORT]              a TLS server on 127.0.0.1 with a fresh PKI: a verified",
            "                                session, an echo, and a table of certificate failures;",
            "                                or the same checks against a real server",
            "  x509 info FILE [--json]       what Mbed TLS reads in certificates, CRLs or a CSR",
            "                                (its info text, or the typed fields as JSON)",
            "  version                       print the mbedtls-jni and Mbed TLS versions and the native platform",
            "  help [COMMAND]                print this help, or a command's",
            "",
            "COMMAND --help details a command's options and exit status.",
            "",
            "Exit status: 0 ok, 1 the certificate did not verify, 2 any other failure,",
            "64 bad usage (including a file given that cannot be used).",
            "");

    private Main() {}

    /**
     * Runs the command line and exits with its status.
     *
     * @param args {@code connect HOST:PORT [options]}, {@code demo [HOST:PORT]}, {@code version}, or {@code --help}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line, printing the report to {@code out} and usage errors (and
     * {@code connect --debug} output) to {@code err}.
     *
     * @param args {@code connect HOST:PORT [options]}, {@code demo [HOST:PORT]}, {@code version}, or {@code --help}
     * @param out where the report (or the help) goes
     * @param err where usage errors go
     * @return the exit status: 0 ok, 1 certificate not verified, 2 other failure, 64 bad usage
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return usage(err, "missing command: expected connect, verify, demo or version", null);
        }
        switch (args[0]) {
            case "--help":
            case "-h":
            case "help":
                if (args.length > 2 && args[2].equals("--dtls") && args[1].equals("connect")) {
                    return help(out, DtlsCommand.CONNECT_USAGE);
                }
                if (args.length > 1 && args[1].equals("serve")) {
                    return help(out, args.length > 2 && args[2].equals("--dtls") ? DtlsCommand.SERVE_USAGE : ServeCommand.USAGE);
                }
                if (args.length > 1 && args[1].equals("connect")) {
                    return help(out, ConnectOptions.USAGE);
                }
                if (args.length > 1 && args[1].equals("demo")) {
                    return help(out, Demo.USAGE);
                }
                if (args.length > 1 && args[1].equals("verify")) {
                    return help(out, VerifyOptions.USAGE);
                }
                if (args.length > 1 && args[1].equals("req")) {
                    return help(out, ReqCommand.USAGE);
                }
                if (args.length > 1 && args[1].equals("x509")) {
                    return help(out, X509InfoCommand.USAGE);
                }
                return help(out, USAGE);
            case "--version":
            case "version":
                out.println(version());
                out.flush();
                return ConnectResult.OK;
            case "demo":
                return Demo.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
            case "connect":
                if (java.util.Arrays.asList(args).contains("--dtls")) {
                    return DtlsCommand.connect(args, out, err);
                }
                return connect(args, out, err);
            case "serve":
                if (java.util.Arrays.asList(args).contains("--dtls")) {
                    return DtlsCommand.serve(args, out, err);
                }
                return ServeCommand.run(args, out, err);
            case "verify":
                return verify(args, out, err);
            case "req":
                return ReqCommand.run(args, out, err);
            case "x509":
                return X509InfoCommand.run(args, out, err);
            default:
                return usage(err, "unknown command '" + args[0] + "': expected connect, verify, demo or version", null);
        }
    }

    private static int connect(String[] args, PrintStream out, PrintStream err) {
        ConnectOptions options;
        try {
            options = ConnectOptions.parse(args);
            if (!options.help()) {
                ConnectCommand.checkAgainstLibrary(options);
            }
        } catch (UsageException e) {
            return usage(err, e.getMessage(), "connect");
        }
        if (options.help()) {
            return help(out, ConnectOptions.USAGE);
        }
        ConnectResult result;
        try {
            // The files are read first: one that cannot be used is the user's to fix, before any connection.
            TlsClient client = ConnectCommand.client(options, err);
            result = ConnectCommand.run(options, client); // reports its failures in the result
        } catch (IOException e) {
            return usage(err, FileProblem.describe(e, options.files()), "connect");
        } catch (RuntimeException | LinkageError e) {
            result = ConnectCommand.failedBeforeConnecting(options, e);
        }
        if (options.json()) {
            out.println(Report.json(result));
        } else {
            out.print(Report.human(result));
        }
        out.flush();
        return result.exitStatus();
    }

    private static int verify(String[] args, PrintStream out, PrintStream err) {
        VerifyOptions options;
        try {
            options = VerifyOptions.parse(args);
        } catch (UsageException e) {
            return usage(err, e.getMessage(), "verify");
        }
        if (options.help()) {
            return help(out, VerifyOptions.USAGE);
        }
        VerifyCommand.Outcome outcome;
        try {
            outcome = VerifyCommand.prepare(options).run();
        } catch (UsageException e) {
            return usage(err, e.getMessage(), "verify");
        } catch (RuntimeException | LinkageError e) {
            // Not about the input: the native library did not load, or a bug. Report, don't crash.
            err.println("mbedtls-jni-cli: verify failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            err.flush();
            return ConnectResult.FAILED;
        }
        out.print(options.json() ? outcome.json() + "\n" : outcome.human());
        out.flush();
        return outcome.exitStatus();
    }

    /**
     * A usage error: the one line that says what is wrong, and where the help is (the whole
     * usage text would bury it); for {@code command} null, the command list.
     */
    static int usage(PrintStream err, String message, String command) {
        err.println("mbedtls-jni-cli: " + message + " (see " + (command == null ? "" : command + " ") + "--help)");
        err.flush();
        return ConnectResult.USAGE;
    }

    private static int help(PrintStream out, String usage) {
        out.print(usage);
        out.flush();
        return ConnectResult.OK;
    }

    /** {@code mbedtls-jni VERSION, Mbed TLS X.Y.Z (source, native PLATFORM)}, or what failed to load. */
    static String version() {
        String own = Main.class.getPackage().getImplementationVersion();
        String text = "mbedtls-jni " + (own == null ? "(development build)" : own);
        try {
            return text + ", Mbed TLS " + MbedTls.version() + " (" + MbedTls.buildSource() + ", native " + MbedTls.platform() + ")";
        } catch (RuntimeException | LinkageError e) {
            return text + ", Mbed TLS not loaded: " + e.getMessage();
        }
    }
}
