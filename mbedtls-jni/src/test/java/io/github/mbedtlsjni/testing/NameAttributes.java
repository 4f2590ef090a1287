package io.github.mbedtlsjni.testing;

import io.github.mbedtlsjni.mbedtls.NameAttribute;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * A name's attributes in one comparable form, one line each (OID, value tag, value contents, and
 * " +" when the RDN goes on): as Bouncy Castle wrote them and as Mbed TLS read them, so that a
 * test compares the two lists whole, order and multi-valued RDNs included.
 */
public final class NameAttributes {
    private NameAttributes() {
    }

    /** What Bouncy Castle wrote for each attribute of {@code name}. */
    public static List<String> written(X500Name name) throws IOException {
        List<String> out = new ArrayList<>();
        for (RDN rdn : name.getRDNs()) {
            AttributeTypeAndValue[] atvs = rdn.getTypesAndValues();
            for (int i = 0; i < atvs.length; i++) {
                byte[] tlv = atvs[i].getValue().toASN1Primitive().getEncoded();
                out.add(atvs[i].getType().getId() + " tag " + tlv[0] + " " + Arrays.toString(contents(tlv))
                        + (i + 1 < atvs.length ? " +" : ""));
            }
        }
        return out;
    }

    /** What Mbed TLS read, in the same form. */
    public static List<String> read(List<NameAttribute> attributes) {
        List<String> out = new ArrayList<>();
        for (NameAttribute a : attributes) {
            out.add(a.oid() + " tag " + a.tag() + " " + Arrays.toString(a.value()) + (a.sameRdnAsNext() ? " +" : ""));
        }
        return out;
    }

    /** The contents of a DER TLV with a one-byte tag. */
    private static byte[] contents(byte[] tlv) {
        int lengthBytes = (tlv[1] & 0x80) == 0 ? 0 : tlv[1] & 0x7F;
        return Arrays.copyOfRange(tlv, 2 + lengthBytes, tlv.length);
    }
}
