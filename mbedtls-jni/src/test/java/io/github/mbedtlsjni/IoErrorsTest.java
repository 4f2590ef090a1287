package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mbedtlsjni.internal.Codes;
import io.github.mbedtlsjni.internal.NativeConstants;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one mapping of the application API from the thin classes' MbedTlsException to IOException
 * types: by the code the C side gives each condition, with the thin exception as the cause.
 */
class IoErrorsTest {
    @TempDir
    static Path dir;

    private static MbedTlsException thin(String macro) {
        return new MbedTlsException(NativeConstants.all().get(macro).intValue(), "mbedtls_x", "text");
    }

    @Test
    void eachConditionBecomesItsIoExceptionType() {
        MbedTlsException timeout = thin("MBEDTLS_ERR_SSL_TIMEOUT");
        IOException e = IoErrors.of(timeout, "TLS handshake with h:1", 250);
        assertInstanceOf(SocketTimeoutException.class, e);
        assertEquals("TLS handshake with h:1 timed out after 250 ms", e.getMessage());
        assertSame(timeout, e.getCause());
        assertEquals("read from h:1 timed out", IoErrors.of(timeout, "read from h:1", 0).getMessage());

        MbedTlsException unknown = thin("MBEDTLS_ERR_NET_UNKNOWN_HOST");
        assertInstanceOf(UnknownHostException.class, IoErrors.of(unknown, "connect to h:1", 0));
        MbedTlsException refused = thin("MBEDTLS_ERR_NET_CONNECT_FAILED");
        assertInstanceOf(ConnectException.class, IoErrors.of(refused, "connect to h:1", 0));

        MbedTlsException alert = thin("MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
        TlsException tls = assertInstanceOf(TlsException.class, IoErrors.of(alert, "write to h:1", 0));
        assertEquals(alert.code(), tls.code());
        assertEquals("write to h:1 failed: " + alert.getMessage(), tls.getMessage());

        SocketException closed = IoErrors.closed("TlsConnection to h:1", alert);
        assertEquals("TlsConnection to h:1 is closed", closed.getMessage());
        assertSame(alert, closed.getCause());
        assertEquals(Codes.SSL_TIMEOUT, timeout.code());
    }

    @Test
    void aHostThatDoesNotResolveIsUnknownHostException() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        try (TlsClient client = TlsClient.builder().trustPemFile(pki.rootPem()).build()) {
            UnknownHostException e = assertThrows(UnknownHostException.class, () -> client.connect("no-such-host.invalid", 443));
            assertEquals(Codes.NET_UNKNOWN_HOST, ((MbedTlsException) e.getCause()).code());
        }
    }
}
