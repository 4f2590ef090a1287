package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.testing.TestPki;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * The random arguments of {@link RandomizedMisuseTest}'s calls: valid ones, and the ones the API
 * must reject without harm (null, empty, truncated, corrupted, huge, out of range). Every choice
 * comes from the worker's {@link Random}, so a seed replays a worker's calls.
 */
class MisuseArguments {
    /** What the arguments are made of: the test's PKI and servers, set up once per run. */
    record World(TestPki pki, Path dir, Path missingFile, byte[] rootPem, byte[] rootDer, byte[] crlPem,
            byte[] crlDer, byte[] chainPem, byte[] keyPem, byte[] huge, int echoPort, int quietPort,
            int silentPort, int closedPort) {}

    final Random r;
    final World world;
    final byte[] ioArray = new byte[70_000];
    final ByteBuffer direct = ByteBuffer.allocateDirect(70_000);

    MisuseArguments(Random r, World world) {
        this.r = r;
        this.world = world;
    }

    boolean chance(int oneIn) {
        return r.nextInt(oneIn) == 0;
    }

    /** Input for the parsers: valid, truncated, corrupted, random, empty, world.huge or null. */
    byte[] data() {
        switch (r.nextInt(13)) {
            case 0: return null;
            case 1: return new byte[0];
            case 2: return world.rootPem;
            case 3: return world.rootDer;
            case 4: return world.crlPem;
            case 5: return world.crlDer;
            case 6: return world.chainPem;
            case 7: return world.keyPem;
            case 8: return Arrays.copyOf(world.rootPem, r.nextInt(world.rootPem.length));
            case 9: return Arrays.copyOf(world.rootDer, r.nextInt(world.rootDer.length));
            case 10: {
                byte[] b = (r.nextBoolean() ? world.rootDer : world.crlDer).clone();
                b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                return b;
            }
            case 11: {
                byte[] b = new byte[r.nextInt(200)];
                r.nextBytes(b);
                return b;
            }
            default: return chance(4) ? world.huge : Arrays.copyOf(world.huge, r.nextInt(5000));
        }
    }

    Path path() {
        switch (r.nextInt(8)) {
            case 0: return null;
            case 1: return world.missingFile;
            case 2: return world.dir;
            case 3: return Path.of("/dev/null");
            case 4: return world.pki.crlPem();
            case 5: return world.pki.serverKeyPem();
            case 6: return world.pki.serverChainPem();
            default: return world.pki.rootPem();
        }
    }

    /** An offset or length: in range, at the edges, just beyond them, negative or world.huge. */
    int index(int length) {
        switch (r.nextInt(10)) {
            case 0: return -1;
            case 1: return Integer.MIN_VALUE;
            case 2: return Integer.MAX_VALUE;
            case 3: return length;
            case 4: return length + 1;
            case 5: return 0;
            default: return length == 0 ? 0 : r.nextInt(length + 1);
        }
    }

    /** A buffer for reads and writes: null, empty, small, one record and a bit, or large. */
    byte[] array() {
        switch (r.nextInt(12)) {
            case 0: return null;
            case 1: return new byte[0];
            case 2: return chance(8) ? world.huge : ioArray;
            case 3: return new byte[16385];
            default: return new byte[1 + r.nextInt(300)];
        }
    }

    /** A ByteBuffer: heap, direct, read-only, sliced (array offset), empty, or null. */
    ByteBuffer buffer() {
        ByteBuffer b;
        switch (r.nextInt(9)) {
            case 0: return null;
            case 1: b = ByteBuffer.allocate(r.nextInt(300)); break;
            case 2: b = ByteBuffer.allocate(600).position(100).slice(); break;
            case 3: b = direct.duplicate(); break;
            case 4: b = ByteBuffer.allocateDirect(r.nextInt(300)); break;
            case 5: b = ByteBuffer.allocate(100).asReadOnlyBuffer(); break;
            case 6: b = direct.asReadOnlyBuffer(); break;
            case 7: b = ByteBuffer.allocate(0); break;
            default: b = ByteBuffer.wrap(new byte[200], 10, 100); break;
        }
        int limit = r.nextInt(b.capacity() + 1);
        b.limit(limit);
        b.position(r.nextInt(limit + 1));
        return b;
    }

    String hostname() {
        switch (r.nextInt(9)) {
            case 0: return null;
            case 1: return "";
            case 2: return "a\0b";
            case 3: return "x".repeat(300);
            case 4: return "127.0.0.1";
            case 5: return "wrong.example";
            case 6: return "h\u00e9llo.\u4e16\u754c";
            default: return TestPki.SERVER_NAME;
        }
    }

    int port() {
        switch (r.nextInt(10)) {
            case 0: return world.quietPort;
            case 1: return world.silentPort;
            case 2: return world.closedPort;
            case 3: return r.nextBoolean() ? 0 : (r.nextBoolean() ? -1 : 65536);
            default: return world.echoPort;
        }
    }

    <E extends Enum<E>> E enumOrNull(E[] values) {
        return chance(10) ? null : values[r.nextInt(values.length)];
    }
}
