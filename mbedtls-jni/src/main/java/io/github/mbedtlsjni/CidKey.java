package io.github.mbedtlsjni;

import java.util.Arrays;

/**
 * A Connection ID as a map key of {@link DtlsServer}'s routing table. The server keeps one probe
 * whose bytes it refills for each lookup (then {@link #rehash()}), so routing by CID allocates
 * nothing.
 */
final class CidKey {
    final byte[] bytes;
    private int hash;

    CidKey(byte[] bytes) {
        this.bytes = bytes;
        rehash();
    }

    /** After the bytes changed. */
    void rehash() {
        hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidKey && Arrays.equals(bytes, ((CidKey) o).bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
