package io.github.mbedtlsjni;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/** {@link SessionStore#inMemory()}: a concurrent map from CID to saved state. */
final class InMemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<ByteBuffer, byte[]> states = new ConcurrentHashMap<>();

    @Override
    public void put(byte[] cid, byte[] state) {
        states.put(ByteBuffer.wrap(cid.clone()), state);
    }

    @Override
    public byte[] take(byte[] cid) {
        return states.remove(ByteBuffer.wrap(cid));
    }

    @Override
    public boolean contains(byte[] cid) {
        return states.containsKey(ByteBuffer.wrap(cid));
    }

    @Override
    public int size() {
        return states.size();
    }

    @Override
    public String toString() {
        return "SessionStore.inMemory[" + states.size() + " saved]";
    }
}
