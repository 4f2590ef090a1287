package io.github.mbedtlsjni.examples;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crl;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS client of the Mbed TLS developer guide, step by step, in Java: every step below is one
 * call of the guide (the C function is named in its comment).
 *
 * <pre>
 * Usage: GuideClient HOST PORT CA_FILE [CRL_FILE] [--send TEXT]
 * </pre>
 *
 * <p>It connects to {@code HOST:PORT}, verifies the server's certificate against the CA
 * certificates in {@code CA_FILE} (and the revocation lists in {@code CRL_FILE}) and the name
 * {@code HOST}, sends an HTTP/1.0 {@code GET /} request (or {@code TEXT} and a newline), prints
 * the start of the answer and closes the connection. Exit status: 0 success, 1 the certificate
 * did not verify, 2 any other failure, 64 bad usage.
 *
 * <p>One difference from the guide: the guide calls {@code mbedtls_ssl_setup} before
 * {@code mbedtls_ssl_config_defaults}, but Mbed TLS needs the configuration complete before
 * {@code mbedtls_ssl_setup} (as its own {@code ssl_client1.c} does), so here the configuration
 * comes first. The binding refuses the other order.
 */
public final class GuideClient {
    /** The usage text. */
    public static final String USAGE = String.join("\n",
            "Usage: GuideClient HOST PORT CA_FILE [CRL_FILE] [--send TEXT]",
            "",
            "Connects to HOST:PORT with TLS 1.2 or later, requires a certificate for HOST",
            "issued by a CA in CA_FILE (PEM) and not revoked by the CRLs in CRL_FILE (PEM),",
            "sends an HTTP/1.0 GET request for / (or TEXT and a newline, with --send),",
            "prints the start of the answer and closes the connection.",
            "",
            "Exit status: 0 success, 1 certificate verification failed, 2 other failure,",
            "64 bad usage.",
            "");

    private GuideClient() {}

    /**
     * Runs the example and exits with its status.
     *
     * @param args {@code HOST PORT CA_FILE [CRL_FILE] [--send TEXT]}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /**
     * Runs the example, printing to {@code out}.
     *
     * @param args {@code HOST PORT CA_FILE [CRL_FILE] [--send TEXT]}
     * @param out where the steps, the answer and any error are printed
     * @return the exit status: 0 success, 1 certificate verification failed, 2 other failure,
     *     64 bad usage
     */
    public static int run(String[] args, PrintStream out) {
        List<String> positional = new ArrayList<>();
        String text = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--send") && i + 1 < args.length && text == null) {
                text = args[++i];
            } else if (args[i].startsWith("--")) {
                return usage(out, "unexpected option " + args[i]);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.size() < 3 || positional.size() > 4) {
            return usage(out, "expected HOST PORT CA_FILE [CRL_FILE]");
        }
        String host = positional.get(0);
        int port;
        try {
            port = Integer.parseInt(positional.get(1));
        } catch (NumberFormatException e) {
            return usage(out, "PORT is not a number: " + positional.get(1));
        }
        if (port < 1 || port > 65535) {
            return usage(out, "PORT must be 1 to 65535: " + port);
        }
        Path caFile = Paths.get(positional.get(2));
        Path crlFile = positional.size() == 4 ? Paths.get(positional.get(3)) : null;
        String request = text != null ? text + "\n" : "GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
        int status = connect(host, port, caFile, crlFile, request, out);
        out.flush();
        return status;
    }

    /** The guide, top to bottom. */
    private static int connect(String host, int port, Path caFile, Path crlFile, String request, PrintStream out) {
        // 0. Prepare the data structures (mbedtls_net_init, mbedtls_entropy_init, mbedtls_ctr_drbg_init,
        //    mbedtls_ssl_init, mbedtls_ssl_config_init, mbedtls_x509_crt_init, mbedtls_x509_crl_init).
        //    try-with-resources frees them all when the block is left, whatever happens: that is
        //    the guide's last step (mbedtls_ssl_free, mbedtls_x509_crt_free, ..., mbedtls_entropy_free).
        try (NetContext serverFd = new NetContext();
                Entropy entropy = new Entropy();
                CtrDrbg drbg = new CtrDrbg();
                SslContext ssl = new SslContext();
                SslConfig conf = new SslConfig();
                X509Crt caCerts = new X509Crt();
                X509Crl crl = crlFile != null ? new X509Crl() : null) {

            // 1. Seed the random number generator (mbedtls_ctr_drbg_seed with mbedtls_entropy_func).
            out.print("  . Seeding the random number generator...");
            drbg.seed(entropy, "mbedtls-jni guide client");
            out.println(" ok");

            // 2. Load the default TLS client settings (mbedtls_ssl_config_defaults).
            out.print("  . Setting up the TLS configuration...");
            conf.defaults();

            // 3. Accept only TLS 1.2 and higher (mbedtls_ssl_conf_min_tls_version).
            conf.setMinTlsVersion(TlsVersion.TLS1_2);

            // 4. Require a valid server certificate (mbedtls_ssl_conf_authmode VERIFY_REQUIRED):
            //    without it, an active attacker could impersonate the server.
            conf.setAuthMode(AuthMode.REQUIRED);
            out.println(" ok");

            // 5. Trust the CA certificates of CA_FILE (mbedtls_x509_crt_parse_file) and, optionally,
            //    check revocation against the CRLs of CRL_FILE (mbedtls_x509_crl_parse_file);
            //    then give both to the configuration (mbedtls_ssl_conf_ca_chain).
            out.print("  . Loading the CA certificates from " + caFile + "...");
            int skipped = caCerts.parseFile(caFile);
            out.println(" ok (" + skipped + " skipped)");
            if (crl != null) {
                out.print("  . Loading the CRLs from " + crlFile + "...");
                crl.parseFile(crlFile);
                out.println(" ok");
            }
            conf.setCaChain(caCerts, crl);

            // 6. Give the configuration its random number generator (mbedtls_ssl_conf_rng) and the
            //    TLS context its configuration (mbedtls_ssl_setup).
            conf.setRng(drbg);
            ssl.setup(conf);

            // 7. Set the name the certificate must match, also sent as Server Name Indication
            //    (mbedtls_ssl_set_hostname). Without it any trusted certificate would do.
            ssl.setHostname(host);

            // 8. Open the TCP connection (mbedtls_net_connect).
            out.print("  . Connecting to tcp/" + host + "/" + port + "...");
            serverFd.connect(host, port);
            out.println(" ok");

            // 9. Speak TLS over that connection (mbedtls_ssl_set_bio with mbedtls_net_send/recv).
            ssl.setBio(serverFd);

            // 10. Perform the TLS handshake (mbedtls_ssl_handshake); the certificate is verified here.
            out.print("  . Performing the TLS handshake...");
            ssl.handshake();
            out.println(" ok (" + ssl.protocol() + ", " + ssl.ciphersuite() + ")");

            // 11. Look at the certificate verification result (mbedtls_ssl_get_verify_result and
            //     mbedtls_x509_crt_verify_info). With VERIFY_REQUIRED it is 0 once the handshake
            //     succeeded; a failed verification made the handshake throw (see the catch below).
            out.print("  . Verifying the peer X.509 certificate...");
            VerifyResult result = ssl.verifyResult();
            if (result.isOk()) {
                out.println(" ok");
            } else {
                out.println(" failed");
                printVerifyInfo(result, out);
                return 1;
            }

            // 12. Send the request (mbedtls_ssl_write, repeated until all is written).
            byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
            out.print("  > Write to server:");
            ssl.writeFully(bytes);
            out.println(" " + bytes.length + " bytes written");
            out.println();
            out.println(request.trim());
            out.println();

            // 13. Read the answer (mbedtls_ssl_read): one read of up to 4096 bytes, as in the guide.
            byte[] buffer = new byte[4096];
            out.print("  < Read from server:");
            int n = ssl.read(buffer);
            if (n < 0) {
                out.println(" the server closed the connection without answering");
            } else {
                out.println(" " + n + " bytes read");
                out.println();
                out.println(new String(buffer, 0, n, StandardCharsets.UTF_8).trim());
                out.println();
            }

            // 14. Close the connection gracefully: send close_notify (mbedtls_ssl_close_notify),
            //     unless the server has already closed it.
            out.print("  . Closing the connection...");
            if (ssl.inbound() == SslContext.Inbound.OPEN) {
                ssl.closeNotify();
            }
            out.println(" ok");
            return 0;
        } catch (CertificateVerificationException e) {
            out.println(" failed");
            out.println("  ! " + e.getMessage());
            printVerifyInfo(e.verifyResult(), out);
            return 1;
        } catch (MbedTlsException e) {
            out.println(" failed");
            out.println("  ! " + e.getMessage());
            return 2;
        }
    }

    /** Prints mbedtls_x509_crt_verify_info's lines, as the guide does. */
    private static void printVerifyInfo(VerifyResult result, PrintStream out) {
        for (String line : result.info().split("\n")) {
            if (!line.isEmpty()) {
                out.println("  ! " + line);
            }
        }
    }

    private static int usage(PrintStream out, String problem) {
        out.println("GuideClient: " + problem);
        out.println();
        out.print(USAGE);
        out.flush();
        return 64;
    }
}
