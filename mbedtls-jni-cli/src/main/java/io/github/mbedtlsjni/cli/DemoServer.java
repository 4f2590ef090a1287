package io.github.mbedtlsjni.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code openssl s_server} on 127.0.0.1 (a port the system picks) presenting one chain, in
 * {@code -rev} mode: it answers each line reversed. Its output is drained on a thread and kept;
 * {@link #close()} stops it.
 */
final class DemoServer implements AutoCloseable {
    private static final Pattern ACCEPT = Pattern.compile("^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");
    private static final Pattern CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\\s*", Pattern.DOTALL);
    private static final Duration START_LIMIT = Duration.ofSeconds(20);

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile int port;

    /**
     * Starts a server sending {@code served.chain} (its first certificate as {@code -cert}, the
     * others as {@code -cert_chain}). {@code weak}: allow what OpenSSL's default security level
     * refuses to serve (SHA-1 signatures, RSA-1024).
     */
    static DemoServer start(DemoPki.Served served, Path workDir, boolean weak) throws IOException, InterruptedException {
        String pem = Files.readString(served.chain, StandardCharsets.US_ASCII);
        List<String> certificates = new ArrayList<>();
        Matcher m = CERTIFICATE.matcher(pem);
        while (m.find()) {
            certificates.add(m.group());
        }
        String base = served.chain.getFileName().toString().replace(".pem", "");
        Path leaf = Files.writeString(workDir.resolve(base + ".leaf.pem"), certificates.get(0), StandardCharsets.US_ASCII);
        List<String> command = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:0",
                "-cert", leaf.toString(), "-key", served.key.toString(), "-rev",
                "-no-CAfile", "-no-CApath", "-no-CAstore"));
        if (certificates.size() > 1) {
            Path rest = Files.writeString(workDir.resolve(base + ".rest.pem"),
                    String.join("", certificates.subList(1, certificates.size())), StandardCharsets.US_ASCII);
            command.addAll(List.of("-cert_chain", rest.toString()));
        }
        if (weak) {
            command.addAll(List.of("-cipher", "DEFAULT@SECLEVEL=0"));
        }
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        DemoServer server = new DemoServer(process);
        if (!server.started.await(START_LIMIT.toMillis(), TimeUnit.MILLISECONDS) || server.port == 0) {
            server.close();
            throw new IOException("openssl s_server did not start:\n" + server.output().strip());
        }
        return server;
    }

    private DemoServer(Process process) {
        this.process = process;
        Thread drain = new Thread(this::drain, "openssl s_server output");
        drain.setDaemon(true);
        drain.start();
    }

    private void drain() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                output.append(line).append('\n');
                Matcher m = ACCEPT.matcher(line);
                if (port == 0 && m.matches()) {
                    port = Integer.parseInt(m.group(1));
                    started.countDown();
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            started.countDown();
        }
    }

    int port() {
        return port;
    }

    String output() {
        return output.toString();
    }

    /** Stops the server and waits for it to exit. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }
}
