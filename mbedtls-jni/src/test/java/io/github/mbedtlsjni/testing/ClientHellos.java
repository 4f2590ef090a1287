package io.github.mbedtlsjni.testing;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Real ClientHellos, made at test time by an Mbed TLS client over a memory bio (nothing is sent
 * anywhere): for hostile clients that start like a real one and then misbehave, and as fuzz seeds.
 */
public final class ClientHellos {
    private ClientHellos() {}

    /** The first flight (one record) of an Mbed TLS client offering TLS 1.2 up to {@code max}, with SNI "localhost". */
    public static byte[] of(TlsVersion max) {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
                SslContext ssl = new SslContext()) {
            drbg.seed(entropy, "client hello");
            config.defaults();
            config.setRng(drbg);
            config.setAuthMode(AuthMode.NONE);
            config.setMaxTlsVersion(max);
            ssl.setup(config);
            ssl.setHostname(TestPki.SERVER_NAME);
            MemoryBio bio = ssl.setMemoryBio();
            ByteBuffer out = ByteBuffer.allocate(MemoryBio.maxRecordOut());
            int code = bio.handshake(null, out);
            if (code != MemoryBio.WANT_READ) {
                throw new IllegalStateException("the client did not wait for the server after its ClientHello: " + code);
            }
            return Arrays.copyOf(out.array(), out.position());
        }
    }
}
