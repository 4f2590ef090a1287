package io.github.mbedtlsjni.mbedtls;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@link X509CsrWriter} and {@link X509CrtWriter} share: the subject, the digest and the
 * extensions both can ask for, checked and encoded as the native writers take them. A plain Java
 * value; the native call of each writer builds Mbed TLS's structures from it and frees them.
 */
final class X509Extensions {
    /** The GeneralName tags of RFC 5280 (Mbed TLS 3.5+'s {@code MBEDTLS_X509_SAN_*}), which the native side takes. */
    private static final int TAG_RFC822 = 1;
    private static final int TAG_DNS = 2;
    private static final int TAG_DIRECTORY = 4;
    private static final int TAG_URI = 6;
    private static final int TAG_IP = 7;
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    String subject;
    VerifyProfile.Hash digest = VerifyProfile.Hash.SHA256;
    int keyUsage = -1;
    int nsCertType = -1;
    private final List<byte[]> extendedKeyUsage = new ArrayList<>();
    private final List<Integer> sanTypes = new ArrayList<>();
    private final List<byte[]> sanValues = new ArrayList<>();

    static String name(String dn, String what) {
        Objects.requireNonNull(dn, what);
        if (dn.isBlank()) {
            // Mbed TLS would write an empty name; a CSR or certificate for nobody is a mistake here.
            throw new IllegalArgumentException(what + " is empty: give a name such as \"CN=dev42,O=Example\"");
        }
        return dn;
    }

    static int bits(int bits, int max, String what) {
        if (bits < 0 || bits > max) {
            throw new IllegalArgumentException(what + " 0x" + Integer.toHexString(bits) + " is out of range (0 to 0x"
                    + Integer.toHexString(max) + ")");
        }
        return bits;
    }

    void extendedKeyUsage(String... oids) {
        Objects.requireNonNull(oids, "oids");
        List<byte[]> encoded = new ArrayList<>();
        for (String oid : oids) {
            encoded.add(Oids.encode(oid)); // IllegalArgumentException naming a malformed OID (and null)
        }
        extendedKeyUsage.addAll(encoded);
    }

    void subjectAltName(SubjectAltName.Type type, String value) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("an empty " + type + " subjectAltName");
        }
        int tag;
        byte[] bytes;
        switch (type) {
            case DNS_NAME:
                tag = TAG_DNS;
                bytes = ia5(value, type);
                break;
            case RFC822_NAME:
                tag = TAG_RFC822;
                bytes = ia5(value, type);
                break;
            case URI:
                tag = TAG_URI;
                bytes = ia5(value, type);
                break;
            case IP_ADDRESS:
                tag = TAG_IP;
                bytes = ip(value);
                break;
            case DIRECTORY_NAME:
                tag = TAG_DIRECTORY;
                bytes = value.getBytes(StandardCharsets.UTF_8); // Mbed TLS parses it: mbedtls_x509_string_to_names
                break;
            default:
                throw new IllegalArgumentException("Mbed TLS's writers cannot write a " + type + " subjectAltName");
        }
        sanTypes.add(tag);
        sanValues.add(bytes);
    }

    /** An IA5String's bytes (ASCII: a name in another script goes in as its punycode). */
    private static byte[] ia5(String value, SubjectAltName.Type type) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0x7F || value.charAt(i) == 0) {
                throw new IllegalArgumentException("a " + type + " subjectAltName is an IA5String: ASCII only, got \"" + value + "\"");
            }
        }
        return value.getBytes(StandardCharsets.US_ASCII);
    }

    /** The 4 or 16 octets of an IP literal (never a host name: nothing is resolved). */
    private static byte[] ip(String value) {
        if (IPV4.matcher(value).matches() || (value.contains(":") && IPV6.matcher(value).matches())) {
            try {
                return java.net.InetAddress.getByName(value).getAddress(); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                // fall through to the refusal
            }
        }
        throw new IllegalArgumentException("not an IPv4 or IPv6 address literal: \"" + value + "\"");
    }

    byte[][] extendedKeyUsageOids() {
        return extendedKeyUsage.toArray(new byte[0][]);
    }

    int[] sanTypes() {
        return sanTypes.stream().mapToInt(Integer::intValue).toArray();
    }

    byte[][] sanValues() {
        return sanValues.toArray(new byte[0][]);
    }

    String requireSubject() {
        if (subject == null) {
            throw new IllegalStateException("no subject: call subject(\"CN=...\") first");
        }
        return subject;
    }
}
