package io.github.mbedtlsjni.mbedtls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One subjectAltName entry of a certificate as {@code mbedtls_x509_parse_subject_alt_name} reads
 * it ({@link X509Crt#subjectAltNames}). An immutable value.
 *
 * <p>Which entries Mbed TLS parses depends on its version: 3.6 parses DNS names, rfc822 names,
 * URIs, IP addresses, directoryNames and hardware module names (otherName); 2.28 only DNS names
 * and hardware module names. An entry Mbed TLS keeps but does not parse (on 2.28 also an IP
 * address, URI or rfc822 name) is {@link Type#UNSUPPORTED}, with its GeneralName tag and raw
 * contents.
 */
public final class SubjectAltName {
    /** The kind of entry: the GeneralName choice Mbed TLS recognised. */
    public enum Type {
        /** otherName holding a hardware module name (RFC 4108): {@link #value} its hwType OID, {@link #bytes} its serial. */
        HARDWARE_MODULE_NAME,
        /** rfc822Name, an e-mail address. */
        RFC822_NAME,
        /** dNSName. */
        DNS_NAME,
        /** directoryName: {@link #value} as {@code mbedtls_x509_dn_gets} writes it. */
        DIRECTORY_NAME,
        /** uniformResourceIdentifier. */
        URI,
        /** iPAddress: {@link #bytes} the 4 or 16 octets, {@link #value} their text form. */
        IP_ADDRESS,
        /** An entry this Mbed TLS does not parse: {@link #tag} and the raw {@link #bytes}. */
        UNSUPPORTED
    }

    private final Type type;
    private final int tag;
    private final String value;
    private final byte[] bytes;

    private SubjectAltName(Type type, int tag, String value, byte[] bytes) {
        this.type = type;
        this.tag = tag;
        this.value = value;
        this.bytes = bytes;
    }

    /** The entry from the glue's {kind}, first, second (see native/x509_crt.c's put_san). */
    static SubjectAltName of(byte kind, byte[] first, byte[] second) {
        int k = kind & 0xFF;
        if (k >= 0x80) {
            return new SubjectAltName(Type.UNSUPPORTED, k & 0x1F, null, first);
        }
        String text = new String(first, StandardCharsets.UTF_8);
        switch (k) {
            case 0:
                return new SubjectAltName(Type.HARDWARE_MODULE_NAME, k, text, second == null ? new byte[0] : second);
            case 1:
                return new SubjectAltName(Type.RFC822_NAME, k, text, first);
            case 2:
                return new SubjectAltName(Type.DNS_NAME, k, text, first);
            case 4:
                return new SubjectAltName(Type.DIRECTORY_NAME, k, text, first);
            case 6:
                return new SubjectAltName(Type.URI, k, text, first);
            case 7:
                return new SubjectAltName(Type.IP_ADDRESS, k, ipText(first), first);
            default:
                return new SubjectAltName(Type.UNSUPPORTED, k, null, first);
        }
    }

    /** The entries of the glue's byte[][] from {@code from} on, three elements each (native/x509_util.h). */
    static List<SubjectAltName> listOf(byte[][] raw, int from) {
        List<SubjectAltName> names = new ArrayList<>((raw.length - from) / 3);
        for (int i = from; i + 2 < raw.length; i += 3) {
            names.add(of(raw[i][0], raw[i + 1], raw[i + 2]));
        }
        return List.copyOf(names);
    }

    private static String ipText(byte[] address) {
        if (address.length != 4 && address.length != 16) {
            return null;
        }
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 octets are an address", e);
        }
    }

    /** The kind of entry. */
    public Type type() {
        return type;
    }

    /** The GeneralName tag number (2 for dNSName, 7 for iPAddress, ...; 0 for otherName). */
    public int tag() {
        return tag;
    }

    /**
     * The entry as text: the name (DNS, rfc822, URI, directoryName), the address (IP; null unless
     * 4 or 16 octets), the hwType OID dotted (hardware module name), or null ({@link Type#UNSUPPORTED}).
     */
    public String value() {
        return value;
    }

    /** The entry's bytes (a copy): the name or address octets, a hardware module's serial, or the raw contents. */
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubjectAltName && ((SubjectAltName) o).type == type && ((SubjectAltName) o).tag == tag
                && Objects.equals(((SubjectAltName) o).value, value) && Arrays.equals(((SubjectAltName) o).bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, tag, value) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return type + ":" + (value != null ? value : "[" + tag + "] " + bytes.length + " bytes");
    }
}
