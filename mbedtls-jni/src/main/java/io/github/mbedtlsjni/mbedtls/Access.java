package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.internal.VerifyCallback;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/** The thin package's side of {@link ThinAccess}: forwards to the package-private members. */
final class Access extends ThinAccess {
    @Override
    public int readByte(SslContext ssl) {
        return ssl.readByte();
    }

    @Override
    public void writeByte(SslContext ssl, int b) {
        ssl.writeByte(b);
    }

    @Override
    public boolean closeNotifyIfWritable(SslContext ssl) {
        return ssl.closeNotifyIfWritable();
    }

    @Override
    public List<byte[]> peerCertificateDers(SslContext ssl) {
        return ssl.peerCertificateDers();
    }

    @Override
    public void setDeadline(NetContext net, int millis) {
        net.setDeadline(millis);
    }

    @Override
    public List<X509Certificate> jdkCertificates(List<byte[]> ders) throws CertificateException {
        return X509Crt.jdkCertificates(ders);
    }

    @Override
    public X509Crt chain(List<byte[]> ders) {
        return X509Crt.ofDers(ders);
    }

    @Override
    public void setVerifyCallback(SslContext ssl, VerifyCallback callback) {
        ssl.setVerifyCallback(callback);
    }

    @Override
    public void verifyChainOnly(SslContext ssl) {
        ssl.verifyChainOnly();
    }

    @Override
    public byte[] sessionId(SslContext ssl) {
        return ssl.sessionId();
    }

    @Override
    public int read(MemoryBio bio, ByteBuffer in, ByteBuffer[] dsts, int offset, int length) {
        return bio.read(in, dsts, offset, length);
    }
}
