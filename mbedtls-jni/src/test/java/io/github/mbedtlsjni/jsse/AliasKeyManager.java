package io.github.mbedtlsjni.jsse;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A client key manager for tests of when and how the provider asks: its one answer is the alias
 * {@link #chooseAlias()} gives (subclasses hold it up, slow it down, count it or fail it); it has
 * no certificates and no server side.
 */
abstract class AliasKeyManager extends X509ExtendedKeyManager {
    /** The answer to both {@code chooseClientAlias} and {@code chooseEngineClientAlias}. */
    abstract String chooseAlias();

    @Override
    public final String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return chooseAlias();
    }

    @Override
    public final String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return chooseAlias();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }
}
