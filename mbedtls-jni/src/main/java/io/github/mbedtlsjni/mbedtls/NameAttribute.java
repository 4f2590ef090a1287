package io.github.mbedtlsjni.mbedtls;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One attribute (AttributeTypeAndValue) of a distinguished name as Mbed TLS parsed it: an entry of
 * its {@code mbedtls_x509_name} list ({@link X509Crt#subjectAttributes},
 * {@link X509Crt#issuerAttributes}). An immutable value.
 *
 * <p>The attributes come in the order of the DER, the order {@code mbedtls_x509_dn_gets} prints
 * them in. A multi-valued RDN ({@code CN=a+O=b}) is one entry per attribute, each but its last
 * with {@link #sameRdnAsNext()} (Mbed TLS's {@code next_merged}).
 */
public final class NameAttribute {
    /** ASN.1 UTF8String, a {@link #tag()}. */
    public static final int UTF8_STRING = 0x0C;
    /** ASN.1 PrintableString, a {@link #tag()}. */
    public static final int PRINTABLE_STRING = 0x13;
    /** ASN.1 IA5String, a {@link #tag()}. */
    public static final int IA5_STRING = 0x16;
    /** ASN.1 BMPString (UTF-16BE), a {@link #tag()}. */
    public static final int BMP_STRING = 0x1E;

    private static final int UNIVERSAL_STRING = 0x1C;

    private final String oid;
    private final String shortName;
    private final int tag;
    private final byte[] value;
    private final boolean sameRdnAsNext;

    private NameAttribute(String oid, String shortName, int tag, byte[] value, boolean sameRdnAsNext) {
        this.oid = oid;
        this.shortName = shortName;
        this.tag = tag;
        this.value = value;
        this.sameRdnAsNext = sameRdnAsNext;
    }

    /** The attribute from the glue's {tag, next_merged}, dotted OID, short name (or null), value (native/x509_util.h). */
    static NameAttribute of(byte[] head, byte[] oid, byte[] shortName, byte[] value) {
        return new NameAttribute(new String(oid, StandardCharsets.US_ASCII),
                shortName == null ? null : new String(shortName, StandardCharsets.US_ASCII), head[0] & 0xFF, value,
                head[1] != 0);
    }

    /** A name's attributes from the glue's four arrays per attribute (mj_x509_name_attributes). */
    static List<NameAttribute> listOf(byte[][] raw) {
        List<NameAttribute> attributes = new ArrayList<>(raw.length / 4);
        for (int i = 0; i + 3 < raw.length; i += 4) {
            attributes.add(of(raw[i], raw[i + 1], raw[i + 2], raw[i + 3]));
        }
        return List.copyOf(attributes);
    }

    /** The attribute type's OID, dotted ({@code mbedtls_oid_get_numeric_string}), e.g. {@code "2.5.4.3"}. */
    public String oid() {
        return oid;
    }

    /**
     * The attribute type's short name as Mbed TLS knows it ({@code mbedtls_oid_get_attr_short_name},
     * the name {@code mbedtls_x509_dn_gets} prints: {@code "CN"}, {@code "O"}, {@code "emailAddress"}...),
     * or null if Mbed TLS has none for this OID.
     */
    public String shortName() {
        return shortName;
    }

    /**
     * The ASN.1 tag of the value (Mbed TLS's {@code val.tag}), one of those Mbed TLS accepts in a
     * name: {@link #UTF8_STRING}, {@link #PRINTABLE_STRING}, {@link #IA5_STRING}, {@link #BMP_STRING},
     * T61String {@code 0x14}, UniversalString {@code 0x1C} or BIT STRING {@code 0x03}.
     */
    public int tag() {
        return tag;
    }

    /** The value's contents octets (a copy; Mbed TLS's {@code val}), whatever its tag. */
    public byte[] value() {
        return value.clone();
    }

    /**
     * The value as text where its tag names a character set and the bytes are valid in it:
     * UTF8String as UTF-8; PrintableString and IA5String as ASCII; BMPString as UTF-16BE;
     * UniversalString as UTF-32BE. Null for T61String (whose character set Java has no decoder
     * for), for a BIT STRING, and for bytes invalid in the set;
     * {@link #value()} has the bytes either way. Not {@code mbedtls_x509_dn_gets}'s text, which
     * escapes special and non-ASCII bytes.
     */
    public String valueString() {
        Charset charset;
        switch (tag) {
            case UTF8_STRING:
                charset = StandardCharsets.UTF_8;
                break;
            case PRINTABLE_STRING:
            case IA5_STRING:
                charset = StandardCharsets.US_ASCII;
                break;
            case BMP_STRING:
                charset = StandardCharsets.UTF_16BE;
                break;
            case UNIVERSAL_STRING:
                charset = Charset.forName("UTF-32BE");
                break;
            default:
                return null;
        }
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * True if the next attribute of the list belongs to the same RDN as this one (a multi-valued
     * RDN, {@code CN=a+O=b}): Mbed TLS's {@code next_merged}. False for the last attribute of an RDN.
     */
    public boolean sameRdnAsNext() {
        return sameRdnAsNext;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NameAttribute)) {
            return false;
        }
        NameAttribute a = (NameAttribute) o;
        return a.oid.equals(oid) && Objects.equals(a.shortName, shortName) && a.tag == tag && Arrays.equals(a.value, value)
                && a.sameRdnAsNext == sameRdnAsNext;
    }

    @Override
    public int hashCode() {
        return Objects.hash(oid, shortName, tag, sameRdnAsNext) * 31 + Arrays.hashCode(value);
    }

    /**
     * {@code CN=text}: the OID where Mbed TLS has no short name, {@code #hex} where there is no
     * {@link #valueString()}, and {@code " +"} after an attribute whose RDN the next one shares.
     */
    @Override
    public String toString() {
        String text = valueString();
        return (shortName != null ? shortName : oid) + "=" + (text != null ? text : "#" + hex(value))
                + (sameRdnAsNext ? " +" : "");
    }

    /** Lower-case hex of {@code bytes}. */
    static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return s.toString();
    }
}
