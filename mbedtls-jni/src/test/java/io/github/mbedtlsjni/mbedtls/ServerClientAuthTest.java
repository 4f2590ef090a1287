package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.GuideServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client authentication on a thin server ({@code mbedtls_ssl_conf_authmode} with a CA chain and
 * a CRL, {@code mbedtls_ssl_conf_ca_chain}) against {@code openssl s_client -cert}: a valid client
 * certificate is accepted; a missing one is refused in required
 * mode and accepted in optional mode; a revoked one is refused. Mbed TLS decides each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerClientAuthTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final int NO_CLIENT_CERTIFICATE = -0x7480;

    @TempDir
    static Path dir;

    TestPki pki;
    Path clientChain;
    Path clientKey;
    Path revokedChain;
    Path revokedKey;
    Path crl;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
        TestCert client = CertBuilder.client("device 1").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        TestCert revoked = CertBuilder.client("device 2").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        clientChain = pki.writeChain("client-chain.pem", client, pki.intermediate());
        clientKey = pki.writeKey("client-key.pem", client);
        revokedChain = pki.writeChain("revoked-client-chain.pem", revoked, pki.intermediate());
        revokedKey = pki.writeKey("revoked-client-key.pem", revoked);
        crl = pki.crlRevoking(revoked).writePem(dir.resolve("client-crl.pem"));
    }

    /** A server in {@code mode} trusting the PKI's root with the CRL; one s_client run with {@code clientArgs}. */
    private CompletableFuture<String> serve(AuthMode mode, List<String> clientArgs, List<String> output) throws Exception {
        return serve(mode, clientArgs, output, null);
    }

    /** As above, with {@code callback} as the server config's X509VerifyCallback (null: none). */
    private CompletableFuture<String> serve(AuthMode mode, List<String> clientArgs, List<String> output,
            X509VerifyCallback callback) throws Exception {
        try (GuideServer server = GuideServer.prepare(pki)) {
            X509Crt ca = server.own(new X509Crt());
            ca.parseFile(pki.rootPem());
            X509Crl crls = server.own(new X509Crl());
            crls.parseFile(crl);
            server.config.setCaChain(ca, crls);
            server.config.setAuthMode(mode);
            if (callback != null) {
                server.config.setVerifyCallback(callback);
            }
            server.listen();
            CompletableFuture<String> peer = server.serveOne("hello client\n", false, ssl -> { })
                    .thenApply(served -> served.protocol());
            List<String> args = new ArrayList<>(List.of("s_client", "-tls1_2", "-connect", "127.0.0.1:" + server.port(),
                    "-CAfile", pki.rootPem().toString(), "-ign_eof"));
            args.addAll(clientArgs);
            if (!clientArgs.isEmpty()) {
                args.addAll(List.of("-cert_chain", pki.intermediatePem().toString())); // -cert sends the leaf only
            }
            output.add(OpenSsl.run(HANG, args.toArray(new String[0])).output());
            try {
                peer.get(HANG.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // returned as a failed future below
            }
            return peer;
        }
    }

    /**
     * The server's X509VerifyCallback sees the client's chain from the anchor down exactly as
     * X509Crt.verify's callback does offline; one that adds a flag at the leaf refuses the client.
     */
    @Test
    void theServersVerifyCallbackSeesTheClientsChain() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<String> output = new ArrayList<>();
        List<String> clientArgs = List.of("-cert", clientChain.toString(), "-key", clientKey.toString());
        CompletableFuture<String> served = serve(AuthMode.REQUIRED, clientArgs, output, (der, depth, flags) -> {
            seen.add(depth + " " + flags + " " + Base64.getEncoder().encodeToString(der));
            return flags;
        });
        assertEquals("TLSv1.2", served.get(), output.get(0));
        List<String> offline = new ArrayList<>();
        try (X509Crt chain = new X509Crt(); X509Crt root = X509Crt.of(pki.root().der())) {
            chain.parseFile(clientChain);
            chain.verify(root, null, null, VerifyProfile.DEFAULT, X509Crt.Purpose.ANY, (der, depth, flags) -> {
                offline.add(depth + " " + flags + " " + Base64.getEncoder().encodeToString(der));
                return flags;
            });
        }
        assertEquals(3, offline.size(), "root, intermediate, client leaf");
        assertEquals(offline, seen);

        CompletableFuture<String> refused = serve(AuthMode.REQUIRED, clientArgs, new ArrayList<>(),
                (der, depth, flags) -> depth == 0 ? flags | X509VerifyCallback.BADCERT_OTHER : flags);
        ExecutionException e = assertThrows(ExecutionException.class, refused::get);
        CertificateVerificationException refusal = assertInstanceOf(CertificateVerificationException.class, e.getCause(), String.valueOf(e));
        assertTrue(refusal.verifyResult().has(VerifyFlag.BADCERT_OTHER), refusal.verifyResult().toString());
    }

    @Test
    void aValidClientCertificateIsAccepted() throws Exception {
        List<String> output = new ArrayList<>();
        CompletableFuture<String> served = serve(AuthMode.REQUIRED,
                List.of("-cert", clientChain.toString(), "-key", clientKey.toString()), output);
        assertEquals("TLSv1.2", served.get(), output.get(0));
        assertTrue(output.get(0).contains("hello client"), output.get(0));
    }

    @Test
    void noClientCertificateIsRefusedWhenRequired() throws Exception {
        List<String> output = new ArrayList<>();
        CompletableFuture<String> served = serve(AuthMode.REQUIRED, List.of(), output);
        ExecutionException e = assertThrows(ExecutionException.class, served::get);
        MbedTlsException refused = assertInstanceOf(MbedTlsException.class, e.getCause(), String.valueOf(e));
        assertEquals(NO_CLIENT_CERTIFICATE, refused.code(), refused.getMessage());
    }

    @Test
    void noClientCertificateIsAcceptedWhenOptional() throws Exception {
        List<String> output = new ArrayList<>();
        CompletableFuture<String> served = serve(AuthMode.OPTIONAL, List.of(), output);
        assertEquals("TLSv1.2", served.get(), output.get(0));
    }

    @Test
    void aRevokedClientCertificateIsRefused() throws Exception {
        List<String> output = new ArrayList<>();
        CompletableFuture<String> served = serve(AuthMode.REQUIRED,
                List.of("-cert", revokedChain.toString(), "-key", revokedKey.toString()), output);
        ExecutionException e = assertThrows(ExecutionException.class, served::get);
        CertificateVerificationException refused = assertInstanceOf(CertificateVerificationException.class,
                e.getCause(), String.valueOf(e));
        assertTrue(refused.getMessage().contains("REVOKED"), refused.getMessage());
    }
}
