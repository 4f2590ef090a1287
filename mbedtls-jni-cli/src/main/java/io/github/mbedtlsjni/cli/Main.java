package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.MbedTls;
import java.io.PrintStream;

/**
 * The command-line client, {@code java -jar mbedtls-jni-cli.jar COMMAND} (or
 * {@code scripts/mbedtls-jni COMMAND}): {@code connect HOST:PORT [options]} connects to a TLS
 * server with Mbed TLS through the public mbedtls-jni API and reports the handshake and
 * certificate verification, for people or (with {@code --json}) for programs; {@code demo} runs
 * the demo; {@code version} prints the versions. {@code --help} lists the commands,
 * {@code COMMAND --help} details one. Exit statuses: 0 ok, 1 certificate not verified, 2 other
 * failure, 64 bad usage.
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
            "  demo [HOST:PORT]              a TLS server on 127.0.0.1 with a fresh PKI: a verified",
            "                                session, an echo, and a table of certificate failures;",
            "                                or the same checks against a real server",
            "  version                       print the mbedtls-jni and Mbed TLS versions and the native platform",
            "  help [COMMAND]                print this help, or a command's",
            "",
            "COMMAND --help details a command's options and exit status.",
            "",
            "Exit status: 0 ok, 1 the certificate did not verify, 2 any other failure,",
            "64 bad usage.",
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
            return usage(err, "missing command: expected connect, demo or version", USAGE);
        }
        switch (args[0]) {
            case "--help":
            case "-h":
            case "help":
                if (args.length > 1 && args[1].equals("connect")) {
                    return help(out, ConnectOptions.USAGE);
                }
                if (args.length > 1 && args[1].equals("demo")) {
                    return help(out, Demo.USAGE);
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
                return connect(args, out, err);
            default:
                return usage(err, "unknown command '" + args[0] + "': expected connect, demo or version", USAGE);
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
            return usage(err, e.getMessage(), ConnectOptions.USAGE);
        }
        if (options.help()) {
            return help(out, ConnectOptions.USAGE);
        }
        ConnectResult result = ConnectCommand.run(options, err);
        if (options.json()) {
            out.println(Report.json(result));
        } else {
            out.print(Report.human(result));
        }
        out.flush();
        return result.exitStatus();
    }

    private static int usage(PrintStream err, String message, String usage) {
        err.println("mbedtls-jni-cli: " + message);
        err.println();
        err.print(usage);
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
