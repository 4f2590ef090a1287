package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code native/tools/verify_client.c}: the guide's client in plain C on the same Mbed TLS as the
 * binding, in optional mode. It connects once and reports what Mbed TLS decided about the
 * server's chain, which tests compare with what the binding (and the CLI, and the demo) report.
 * The program is found through the system property {@code mbedtlsjni.verify.client} (set by the
 * poms).
 */
public final class NativeVerifyClient {
    /** The system property naming the program. */
    public static final String PROPERTY = "mbedtlsjni.verify.client";

    /**
     * What the C client reported.
     *
     * @param ret {@code mbedtls_ssl_handshake}'s result (0 or a negative Mbed TLS code)
     * @param flags {@code mbedtls_ssl_get_verify_result}
     * @param info {@code mbedtls_x509_crt_verify_info} for the flags, verbatim (empty for 0)
     */
    public record Outcome(int ret, int flags, String info) {}

    private NativeVerifyClient() {}

    /** The program, checked to be there. */
    public static Path program() {
        String client = System.getProperty(PROPERTY);
        if (client == null) {
            throw new IllegalStateException("system property " + PROPERTY + " (set by the pom) names native/tools/verify_client");
        }
        Path program = Path.of(client);
        if (!Files.isExecutable(program)) {
            throw new IllegalStateException(program + " was not built");
        }
        return program;
    }

    /**
     * Connects to {@code 127.0.0.1:port}, trusting {@code caPem} (and checking {@code crlPem} if
     * not null), expecting {@code serverName}.
     */
    public static Outcome run(int port, Path caPem, Path crlPem, String serverName) {
        List<String> cmd = new ArrayList<>(List.of(program().toString(), "127.0.0.1", Integer.toString(port), caPem.toString()));
        if (crlPem != null) {
            cmd.add(crlPem.toString());
        }
        cmd.add(serverName);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("verify_client did not finish: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("verify_client failed (" + p.exitValue() + "): " + err + out);
            }
            return parse(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Parses verify_client's output (see native/tools/verify_client.c). */
    public static Outcome parse(String out) {
        String[] lines = out.split("\n", 4);
        if (lines.length < 3) {
            throw new IllegalArgumentException("not verify_client's output: " + out);
        }
        int ret = parseCode(value(lines[0], "handshake_ret"));
        int flags = (int) Long.parseLong(value(lines[1], "flags").substring(2), 16);
        int infoLines = Integer.parseInt(value(lines[2], "verify_info_lines"));
        String info = lines.length > 3 ? lines[3] : "";
        int counted = info.isEmpty() ? 0 : info.split("\n", -1).length - (info.endsWith("\n") ? 1 : 0);
        if (counted != infoLines) {
            throw new IllegalArgumentException("verify_info_lines=" + infoLines + " but " + counted + " lines: " + out);
        }
        return new Outcome(ret, flags, info);
    }

    private static String value(String line, String key) {
        if (!line.startsWith(key + "=")) {
            throw new IllegalArgumentException("expected " + key + "=, got " + line);
        }
        return line.substring(key.length() + 1).trim();
    }

    private static int parseCode(String text) {
        return text.startsWith("-0x") ? -Integer.parseInt(text.substring(3), 16) : Integer.parseInt(text.substring(2), 16);
    }
}
