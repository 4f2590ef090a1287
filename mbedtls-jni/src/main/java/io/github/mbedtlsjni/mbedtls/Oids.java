package io.github.mbedtlsjni.mbedtls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;

/** Dotted OIDs to the DER contents Mbed TLS compares OIDs by (its {@code MBEDTLS_OID_*} strings). */
final class Oids {
    private static final BigInteger FORTY = BigInteger.valueOf(40);

    private Oids() {
    }

    /**
     * The contents octets (no tag or length) of the OID {@code dotted}, e.g. {@code 2B 06 01 05 05
     * 07 03 01} for {@code 1.3.6.1.5.5.7.3.1}.
     *
     * @throws IllegalArgumentException if {@code dotted} is not an OID (two or more decimal arcs,
     *     the first 0 to 2, the second below 40 unless the first is 2)
     */
    static byte[] encode(String dotted) {
        if (dotted == null) {
            throw new IllegalArgumentException("an OID is required, not null");
        }
        String[] arcs = dotted.split("\\.", -1);
        BigInteger[] values = new BigInteger[arcs.length];
        for (int i = 0; i < arcs.length; i++) {
            if (arcs[i].isEmpty() || !arcs[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not a dotted OID (decimal arcs separated by dots): \"" + dotted + "\"");
            }
            values[i] = new BigInteger(arcs[i]);
        }
        if (values.length < 2 || values[0].compareTo(BigInteger.TWO) > 0
                || (values[0].compareTo(BigInteger.TWO) < 0 && values[1].compareTo(FORTY) >= 0)) {
            throw new IllegalArgumentException("not an OID (two or more arcs, the first 0, 1 or 2, the second below 40"
                    + " under 0 and 1): \"" + dotted + "\"");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, values[0].multiply(FORTY).add(values[1]));
        for (int i = 2; i < values.length; i++) {
            base128(out, values[i]);
        }
        return out.toByteArray();
    }

    private static void base128(ByteArrayOutputStream out, BigInteger value) {
        int groups = Math.max(1, (value.bitLength() + 6) / 7);
        for (int g = groups - 1; g >= 0; g--) {
            int septet = value.shiftRight(7 * g).intValue() & 0x7F;
            out.write(g == 0 ? septet : septet | 0x80);
        }
    }
}
