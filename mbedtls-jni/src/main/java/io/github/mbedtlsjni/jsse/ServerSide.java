package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * What a server engine decides before Mbed TLS sees the client's hello: its certificates (asked
 * of the key manager per key type, all of them given to Mbed TLS, which picks per client), the
 * client authentication mode, and the ALPN protocols it may select. The client's offers (SNI
 * name, ALPN list) are read from the ClientHello record first ({@link Hello}), because JSSE's
 * key managers and ALPN selector decide on them and Mbed TLS has no callback at those points;
 * the handshake itself, malformed hellos included, is Mbed TLS's alone.
 *
 * <p>No state, no locks: called by the engine with its monitor held.
 */
final class ServerSide {
    /** The key types asked of the key manager, in the order their pairs are given to Mbed TLS. */
    private static final String[] KEY_TYPES = {"EC", "RSA"};

    private ServerSide() {
    }

    /** The client's offers in its ClientHello: what JSSE's key manager and ALPN selector decide on. */
    static final class Hello {
        static final Hello NONE = new Hello(List.of(), null);

        /** The SNI host name it asked for, as a one-element list, or empty. */
        final List<SNIServerName> serverNames;
        /** Its ALPN protocols, or null if it offered none. */
        final List<String> alpn;

        private Hello(List<SNIServerName> serverNames, List<String> alpn) {
            this.serverNames = serverNames;
            this.alpn = alpn;
        }

        /**
         * The offers of the ClientHello in {@code record} (one whole TLS record, not consumed). A
         * record that is not a complete ClientHello, or that cannot be read, offers nothing here:
         * Mbed TLS reads it next and decides what it is.
         */
        static Hello read(ByteBuffer record) {
            try {
                return parse(record.duplicate());
            } catch (RuntimeException unreadable) {
                return NONE;
            }
        }

        private static Hello parse(ByteBuffer b) {
            if (u8(b) != 22 || (b.getShort() & 0xFF00) != 0x0300) {
                return NONE; // not a handshake record
            }
            int recordEnd = u16(b) + b.position();
            if (u8(b) != 1) {
                return NONE; // not a ClientHello
            }
            int helloEnd = u24(b) + b.position();
            if (helloEnd > recordEnd) {
                return NONE; // spread over several records
            }
            skip(b, 2 + 32); // legacy_version, random
            skip(b, u8(b)); // legacy_session_id
            skip(b, u16(b)); // cipher_suites
            skip(b, u8(b)); // legacy_compression_methods
            List<SNIServerName> names = List.of();
            List<String> alpn = null;
            if (b.position() >= helloEnd) {
                return NONE;
            }
            int extensionsEnd = u16(b) + b.position();
            while (b.position() + 4 <= extensionsEnd) {
                int type = u16(b);
                int end = u16(b) + b.position();
                if (type == 0) { // server_name: a list of (type, name); host_name is 0
                    int listEnd = u16(b) + b.position();
                    while (b.position() < listEnd) {
                        int nameType = u8(b);
                        byte[] name = new byte[u16(b)];
                        b.get(name);
                        if (nameType == 0 && names.isEmpty()) {
                            names = List.of(new SNIHostName(name));
                        }
                    }
                } else if (type == 16) { // application_layer_protocol_negotiation
                    alpn = new ArrayList<>();
                    int listEnd = u16(b) + b.position();
                    while (b.position() < listEnd) {
                        byte[] name = new byte[u8(b)];
                        b.get(name);
                        alpn.add(new String(name, StandardCharsets.ISO_8859_1));
                    }
                }
                b.position(end);
            }
            return new Hello(names, alpn == null ? null : List.copyOf(alpn));
        }

        private static int u8(ByteBuffer b) {
            return b.get() & 0xFF;
        }

        private static int u16(ByteBuffer b) {
            return b.getShort() & 0xFFFF;
        }

        private static int u24(ByteBuffer b) {
            return u8(b) << 16 | u16(b);
        }

        private static void skip(ByteBuffer b, int n) {
            b.position(b.position() + n);
        }
    }

    /**
     * The server's certificate/key pairs: the key manager's alias for each key type
     * ({@code chooseServerAlias} for a socket, {@code chooseEngineServerAlias} for an engine,
     * without issuers; the handshake session has the client's SNI name meanwhile, for a key
     * manager that picks by it), each alias once. Mbed TLS takes, per client, the first pair its
     * cipher suites and signature algorithms can use.
     *
     * @throws SSLHandshakeException if there is no key manager, or it has no pair for any key type
     */
    static List<ContextState.Identity> identities(ContextState context, SSLEngine engine, Socket socket)
            throws GeneralSecurityException, SSLHandshakeException {
        X509KeyManager km = context.keyManager();
        if (km == null) {
            throw SslExceptions.handshake("a server needs its certificate: this SSLContext was initialized without "
                    + "a KeyManager (SSLContext.init(keyManagers, trustManagers, random))", null);
        }
        List<String> aliases = new ArrayList<>(KEY_TYPES.length);
        List<ContextState.Identity> identities = new ArrayList<>(KEY_TYPES.length);
        for (String type : KEY_TYPES) {
            String alias;
            if (socket != null) {
                alias = km.chooseServerAlias(type, null, socket);
            } else if (km instanceof X509ExtendedKeyManager) {
                alias = ((X509ExtendedKeyManager) km).chooseEngineServerAlias(type, null, engine);
            } else {
                alias = km.chooseServerAlias(type, null, null);
            }
            if (alias != null && !aliases.contains(alias)) {
                aliases.add(alias);
                ContextState.Identity id = context.identity(alias);
                if (id != null) {
                    identities.add(id);
                }
            }
        }
        if (identities.isEmpty()) {
            throw SslExceptions.handshake("the key manager has no server certificate with a private key for key type "
                    + String.join(" or ", KEY_TYPES) + " (chooseServerAlias returned no usable alias)", null);
        }
        return identities;
    }

    /** Mbed TLS's mode for the client's certificate: none, optional (wanted) or required (needed). */
    static AuthMode authMode(Parameters params) {
        switch (params.clientAuth()) {
            case NEEDED:
                return AuthMode.REQUIRED;
            case WANTED:
                return AuthMode.OPTIONAL;
            default:
                return AuthMode.NONE;
        }
    }

    /**
     * The ALPN protocols given to Mbed TLS, which selects the first of them the client offered.
     * Without a selector, the parameters' application protocols in their order. With one (and a
     * client offering ALPN), the selector's choice alone; "" means no ALPN; null, or a protocol
     * the client did not offer, leaves Mbed TLS none of the client's, so it refuses the handshake
     * with a no_application_protocol alert, as JSSE specifies.
     */
    static String[] alpn(Parameters params, BiFunction<SSLEngine, List<String>, String> selector, SSLEngine engine,
            Hello hello) {
        if (selector == null || hello.alpn == null) {
            return params.applicationProtocols();
        }
        String chosen = selector.apply(engine, hello.alpn);
        if (chosen != null && chosen.isEmpty()) {
            return new String[0];
        }
        if (chosen != null && hello.alpn.contains(chosen)) {
            return new String[] {chosen};
        }
        String refusal = "none-of-the-offered"; // a name the client did not offer: Mbed TLS finds no match
        while (hello.alpn.contains(refusal)) {
            refusal += "-";
        }
        return new String[] {refusal};
    }
}
