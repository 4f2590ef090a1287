package io.github.mbedtlsjni;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link SessionStore#inMemory(int)}: saved states by CID, the oldest dropped beyond a capacity,
 * so that peers that never come back cannot grow it without bound. One lock.
 */
final class InMemorySessionStore implements SessionStore {
    private final int capacity;
    private final LinkedHashMap<ByteBuffer, byte[]> states = new LinkedHashMap<>(); // guarded by this

    InMemorySessionStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity + " is not positive");
        }
        this.capacity = capacity;
    }

    @Override
    public synchronized void put(byte[] cid, byte[] state) {
        states.remove(ByteBuffer.wrap(cid));
        states.put(ByteBuffer.wrap(cid.clone()), state);
        if (states.size() > capacity) {
            Map.Entry<ByteBuffer, byte[]> oldest = states.entrySet().iterator().next();
            java.util.Arrays.fill(oldest.getValue(), (byte) 0);
            states.remove(oldest.getKey());
        }
    }

    @Override
    public synchronized byte[] take(byte[] cid) {
        return states.remove(ByteBuffer.wrap(cid));
    }

    @Override
    public synchronized boolean contains(byte[] cid) {
        return states.containsKey(ByteBuffer.wrap(cid));
    }

    @Override
    public synchronized int size() {
        return states.size();
    }

    @Override
    public synchronized String toString() {
        return "SessionStore.inMemory[" + states.size() + " of " + capacity + " saved]";
    }
}
