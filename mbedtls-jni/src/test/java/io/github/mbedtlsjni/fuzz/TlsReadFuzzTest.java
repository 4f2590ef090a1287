package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.HostileServer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes the client's read path as a malicious server drives it: a raw TCP peer
 * ({@link HostileServer}) reads the ClientHello and answers with the fuzzer's bytes, then closes.
 * Everything the client parses before it has keys is reachable this way: record headers and
 * fragmentation, alerts, ServerHello and its extensions (TLS 1.2 and 1.3, HelloRetryRequest),
 * the Certificate message and the X.509 chain in it, ServerKeyExchange, CertificateRequest.
 * The first input byte chooses the client's versions (even: TLS 1.2 only, odd: 1.2 and 1.3).
 *
 * <p>The only acceptable outcome of a handshake is an {@link MbedTlsException} (or, in theory,
 * success); an IllegalStateException, any other exception, a hang (5 s read timeout as a
 * backstop: the peer always closes) or a crash is a finding. See {@link FuzzTests}.
 */
class TlsReadFuzzTest {
    private static final AtomicReference<byte[]> REPLY = new AtomicReference<>(new byte[0]);
    private static final HostileServer SERVER = HostileServer.start(peer -> {
        byte[] reply = REPLY.get();
        peer.readRecord(); // the ClientHello (one record from Mbed TLS)
        peer.write(reply);
        // returning closes: the client gets EOF after the reply
    });
    private static final Entropy ENTROPY = new Entropy();
    private static final CtrDrbg DRBG = new CtrDrbg();
    private static final X509Crt CA = new X509Crt();
    private static final SslConfig TLS12 = new SslConfig();
    private static final SslConfig TLS12_13 = new SslConfig();

    static {
        DRBG.seed(ENTROPY, "tls read fuzz");
        // Any CA: nothing the fuzzer sends can be signed by it, but parsing happens first.
        CA.parseDer(CertBuilder.ca("Fuzz Root CA").selfSigned().der());
        for (SslConfig config : new SslConfig[] {TLS12, TLS12_13}) {
            config.defaults();
            config.setAuthMode(AuthMode.REQUIRED);
            config.setRng(DRBG);
            config.setCaChain(CA);
        }
        TLS12.setMaxTlsVersion(TlsVersion.TLS1_2);
        if (!MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3")) {
            TLS12_13.setMaxTlsVersion(TlsVersion.TLS1_2);
        }
    }

    @AfterAll
    static void stop() {
        SERVER.close();
    }

    @FuzzTest(maxDuration = FuzzTests.CI_DURATION)
    void serverFlight(byte[] data) {
        SslConfig config = data.length > 0 && (data[0] & 1) == 1 ? TLS12_13 : TLS12;
        REPLY.set(data.length > 0 ? Arrays.copyOfRange(data, 1, data.length) : data);
        try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
            ssl.setup(config);
            ssl.setHostname("localhost");
            net.connect("127.0.0.1", SERVER.port());
            net.setReadTimeout(5_000);
            ssl.setBio(net);
            try {
                ssl.handshake();
            } catch (MbedTlsException expected) {
                return;
            }
            ssl.read(new byte[1024]); // unreachable without the CA's key; read what there is
        } catch (MbedTlsException expected) {
            // after a handshake, a read error is as good an outcome
        }
    }
}
