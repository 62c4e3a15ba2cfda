package io.vessel.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.web.api.ProblemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginCatalogueTest {

    private static final byte[] JAR = "pretend this is a jar".getBytes();

    @Test
    void theIndexListsEachArtifactNewestFirstTellingPluginsFromLibraries(@TempDir Path dir) throws Exception {
        Path index = index(dir, sha256(JAR), JAR.length);
        PluginCatalogue.Index read = new PluginCatalogue(index.toString(), 1 << 20).read();
        assertEquals("Test catalogue", read.name());
        assertEquals(3, read.items().size());
        PluginCatalogue.Item newest = read.newest("io.example.plugin", null).orElseThrow();
        assertEquals("2.0.0", newest.version().toString());
        assertTrue(newest.plugin(), "it imports the panel's API");
        assertEquals(dir.resolve("lib/plugin-2.0.0.jar").toUri(), newest.url(), "URLs are relative to the index");
        assertEquals("1.0.0", read.newest("io.example.plugin", "1.0.0").orElseThrow().version().toString());
        assertFalse(read.newest("io.example.library", null).orElseThrow().plugin());
    }

    @Test
    void anArtifactIsTakenOnlyWhenItMatchesTheIndexsChecksumAndSize(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("lib"));
        Files.write(dir.resolve("lib/plugin-2.0.0.jar"), JAR);
        Path target = dir.resolve("download.tmp");

        PluginCatalogue good = new PluginCatalogue(index(dir, sha256(JAR), JAR.length).toString(), 1 << 20);
        good.download(good.read().newest("io.example.plugin", null).orElseThrow(), target);
        assertEquals(new String(JAR), Files.readString(target));

        PluginCatalogue otherSum = new PluginCatalogue(index(dir, sha256("something else".getBytes()), JAR.length).toString(), 1 << 20);
        ProblemException mismatch = assertThrows(ProblemException.class,
                () -> otherSum.download(otherSum.read().newest("io.example.plugin", null).orElseThrow(), target));
        assertEquals(422, mismatch.status());
        assertTrue(mismatch.getMessage().contains("its SHA-256 is " + sha256(JAR)), mismatch.getMessage());
        assertFalse(Files.exists(target), "nothing is left of a download that did not match");

        PluginCatalogue shorter = new PluginCatalogue(index(dir, sha256(JAR), JAR.length - 1).toString(), 1 << 20);
        ProblemException tooLarge = assertThrows(ProblemException.class,
                () -> shorter.download(shorter.read().newest("io.example.plugin", null).orElseThrow(), target));
        assertTrue(tooLarge.getMessage().contains("larger than the " + (JAR.length - 1) + " bytes the catalogue gives"), tooLarge.getMessage());
    }

    @Test
    void aCatalogueOverPlainHttpFromAnotherMachineIsRefused() {
        ProblemException refused = assertThrows(ProblemException.class, () -> new PluginCatalogue("http://192.0.2.1/index.xml", 1 << 20).read());
        assertEquals(502, refused.status());
        assertTrue(refused.getMessage().contains("over HTTPS, or over HTTP from this machine only"), refused.getMessage());
        ProblemException none = assertThrows(ProblemException.class, () -> new PluginCatalogue(" ", 1 << 20).read());
        assertEquals(404, none.status());
    }

    private static Path index(Path dir, String sha, long size) throws Exception {
        String xml = """
                <?xml version='1.0' encoding='UTF-8'?>
                <repository xmlns="http://www.osgi.org/xmlns/repository/v1.0.0" name="Test catalogue" increment="1">
                %s
                %s
                %s
                </repository>
                """.formatted(resource("io.example.plugin", "1.0.0", "lib/plugin-1.0.0.jar", sha, size, true),
                resource("io.example.plugin", "2.0.0", "lib/plugin-2.0.0.jar", sha, size, true),
                resource("io.example.library", "1.0.0", "lib/library.jar", sha, size, false));
        return Files.writeString(dir.resolve("index.xml"), xml);
    }

    private static String resource(String name, String version, String url, String sha, long size, boolean plugin) {
        return """
                <resource>
                  <capability namespace="osgi.identity">
                    <attribute name="osgi.identity" value="%s"/>
                    <attribute name="type" value="osgi.bundle"/>
                    <attribute name="version" value="%s" type="Version"/>
                  </capability>
                  <capability namespace="osgi.content">
                    <attribute name="osgi.content" value="%s"/>
                    <attribute name="url" value="%s"/>
                    <attribute name="size" value="%d" type="Long"/>
                  </capability>
                  <requirement namespace="osgi.wiring.package">
                    <directive name="filter" value="(&amp;(osgi.wiring.package=%s)(version&gt;=1.0.0)(!(version&gt;=2.0.0)))"/>
                  </requirement>
                </resource>
                """.formatted(name, version, sha.toUpperCase(), url, size, plugin ? "io.vessel.api.security" : "org.slf4j");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
