package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link VerifyResult#verifyInfo}: {@code mbedtls_x509_crt_verify_info} for any flags and prefix. */
class VerifyInfoTest {
    @Test
    void eachFlagIsOneLineWithThePrefix() {
        int flags = VerifyFlag.BADCERT_EXPIRED.bit() | VerifyFlag.BADCERT_NOT_TRUSTED.bit();
        String text = VerifyResult.verifyInfo(flags, "  > ");
        String[] lines = text.split("\n");
        assertEquals(2, lines.length, text);
        for (String line : lines) {
            assertTrue(line.startsWith("  > "), text);
        }
        assertEquals("  > The certificate validity has expired", lines[0]);
        assertEquals(new VerifyResult(flags, VerifyResult.verifyInfo(flags, "")).info(),
                VerifyResult.verifyInfo(flags, ""), "the empty prefix is what a result holds");
        assertEquals("", VerifyResult.verifyInfo(0, "prefix"), "nothing for 0");
    }

    @Test
    void everyFlagWithALongPrefixIsNeverCutShort() {
        String prefix = "x".repeat(5000);
        int all = 0;
        for (VerifyFlag f : VerifyFlag.values()) {
            all |= f.bit();
        }
        String text = VerifyResult.verifyInfo(-1, prefix);
        String[] lines = text.split("\n");
        assertTrue(lines.length >= VerifyFlag.values().length, text.length() + " characters");
        for (String line : lines) {
            assertTrue(line.startsWith(prefix) && line.length() > prefix.length(), "every line whole");
        }
        assertTrue(text.endsWith("\n") && text.length() > lines.length * (prefix.length() + 10), "nothing cut short");
        assertTrue(VerifyResult.verifyInfo(all, prefix).split("\n").length >= VerifyFlag.values().length);
    }

    @Test
    void misuseIsRefusedClearly() {
        assertThrows(NullPointerException.class, () -> VerifyResult.verifyInfo(1, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VerifyResult.verifyInfo(1, "a\0b"));
        assertTrue(e.getMessage().contains("NUL"));
    }
}
