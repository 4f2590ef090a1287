package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar (system property {@code mbedtlsjni.jar}) says in its manifest which Mbed TLS
 * its native library was built from, and that is the library it loads.
 */
class ManifestIT {
    @Test
    void theJarsManifestNamesTheMbedTlsVersionAndSourceOfItsNativeLibrary() throws Exception {
        Path jar = Path.of(System.getProperty("mbedtlsjni.jar"));
        assertTrue(Files.isRegularFile(jar), jar::toString);
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            assertEquals(MbedTls.version(), main.getValue("Mbed-TLS-Version"));
            assertEquals(MbedTls.buildSource(), main.getValue("Mbed-TLS-Source"));
            assertEquals(MbedTls.buildConfig(), main.getValue("Mbed-TLS-Config"));
            assertTrue(file.getEntry("natives/linux_64/libmbedtlsjni.so") != null, "the jar carries the native library");
        }
    }
}
