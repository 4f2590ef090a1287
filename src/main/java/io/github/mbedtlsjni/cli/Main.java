package io.github.mbedtlsjni.cli;

import java.io.PrintStream;

/**
 * The command-line client, {@code java -jar mbedtls-jni-cli.jar connect HOST:PORT [options]}:
 * connects to a TLS server with Mbed TLS through the public mbedtls-jni API and reports the
 * handshake and certificate verification, for people or (with {@code --json}) for programs.
 * {@code --help} prints the options and the exit statuses (0 ok, 1 certificate not verified,
 * 2 other failure, 64 bad usage).
 */
public final class Main {
    private Main() {}

    /**
     * Runs the command line and exits with its status.
     *
     * @param args {@code connect HOST:PORT [options]}, or {@code --help}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line, printing the report to {@code out} and usage errors to {@code err}.
     *
     * @param args {@code connect HOST:PORT [options]}, or {@code --help}
     * @param out where the report (or the help) goes
     * @param err where usage errors go
     * @return the exit status: 0 ok, 1 certificate not verified, 2 other failure, 64 bad usage
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ConnectOptions options;
        try {
            options = ConnectOptions.parse(args);
        } catch (UsageException e) {
            err.println("mbedtls-jni-cli: " + e.getMessage());
            err.println();
            err.print(ConnectOptions.USAGE);
            err.flush();
            return ConnectResult.USAGE;
        }
        if (options.help()) {
            out.print(ConnectOptions.USAGE);
            out.flush();
            return ConnectResult.OK;
        }
        ConnectResult result = ConnectCommand.run(options);
        if (options.json()) {
            out.println(Report.json(result));
        } else {
            out.print(Report.human(result));
        }
        out.flush();
        return result.exitStatus();
    }
}
