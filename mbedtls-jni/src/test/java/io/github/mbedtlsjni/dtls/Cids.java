package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.testing.MbedTlsVersions;

/**
 * The Connection ID where the linked Mbed TLS has RFC 9146's (3.x), none where it has not (2.28):
 * the tests that work either way ask for a CID through these and check what was agreed.
 */
final class Cids {
    static final boolean AVAILABLE = MbedTlsVersions.hasCid();

    private Cids() {}

    static DtlsClient.Builder client(DtlsClient.Builder b, int length) {
        return AVAILABLE ? b.cid(length) : b;
    }

    static DtlsServer.Builder server(DtlsServer.Builder b, int length) {
        return AVAILABLE ? b.cid(length) : b;
    }

    /** A CID of {@code length} bytes was agreed where CIDs are available, none otherwise. */
    static void assertLength(int length, byte[] cid) {
        if (AVAILABLE) {
            assertNotNull(cid, "a CID was agreed");
            assertEquals(length, cid.length);
        } else {
            assertNull(cid, "no CID without RFC 9146");
        }
    }
}
