package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertPath;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import jdk.security.jarsigner.JarSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredJarsTest {

    @TempDir
    Path dir;

    @Test
    void everyEntryComesBackStoredWithItsNameOrderBytesAndTimeAndTheJarKeepsItsModificationTime() throws Exception {
        Path jar = deflatedJar(dir.resolve("bundle.jar"));
        Map<String, byte[]> before = contents(jar);
        FileTime modified = FileTime.from(Instant.parse("2026-01-02T03:04:05Z"));
        Files.setLastModifiedTime(jar, modified);

        assertTrue(StoredJars.store(jar));

        assertEquals(new ArrayList<>(before.keySet()), new ArrayList<>(contents(jar).keySet()), "same entries, same order");
        contents(jar).forEach((name, bytes) -> assertArrayEquals(before.get(name), bytes, name));
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().forEach(e -> assertEquals(ZipEntry.STORED, e.getMethod(), e.getName()));
            assertEquals(Instant.parse("2025-06-07T08:09:10Z").toEpochMilli() / 2000, zip.getEntry("io/vessel/Example.class").getLastModifiedTime().toMillis() / 2000);
        }
        try (JarFile read = new JarFile(jar.toFile())) {
            assertEquals("io.vessel.example", read.getManifest().getMainAttributes().getValue("Bundle-SymbolicName"));
        }
        assertEquals(modified, Files.getLastModifiedTime(jar));
        assertFalse(StoredJars.store(jar), "a stored jar is left alone");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(jar), files.toList(), "no temporary file left");
        }
    }

    @Test
    void aSignedJarStaysValidlySigned() throws Exception {
        Path unsigned = deflatedJar(dir.resolve("unsigned.jar"));
        Path signed = dir.resolve("signed.jar");
        SelfSignedX509.Made made = SelfSignedX509.make("signer", List.of(), List.of(), Duration.ofDays(1));
        CertPath chain = CertificateFactory.getInstance("X.509").generateCertPath(
                List.of(CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(made.certificate()))));
        try (ZipFile in = new ZipFile(unsigned.toFile()); OutputStream out = Files.newOutputStream(signed)) {
            new JarSigner.Builder(made.keys().getPrivate(), chain).build().sign(in, out);
        }

        assertTrue(StoredJars.store(signed));

        try (JarFile verified = new JarFile(signed.toFile(), true)) {
            for (JarEntry entry : java.util.Collections.list(verified.entries())) {
                if (entry.isDirectory() || entry.getName().startsWith("META-INF/")) {
                    continue;
                }
                try (InputStream in = verified.getInputStream(entry)) {
                    in.readAllBytes(); // a changed entry would throw SecurityException here
                }
                assertNotNull(entry.getCodeSigners(), entry.getName() + " still signed");
            }
        }
    }

    @Test
    void aDamagedJarFailsTheBuildAndIsLeftAsItWas() throws Exception {
        Path jar = dir.resolve("broken.jar");
        Files.writeString(jar, "not a zip");
        assertThrows(IOException.class, () -> StoredJars.store(jar));
        assertEquals("not a zip", Files.readString(jar));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(jar), files.toList());
        }
    }

    private static Path deflatedJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", "io.vessel.example");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new ZipEntry("io/"));
            out.closeEntry();
            ZipEntry classFile = new ZipEntry("io/vessel/Example.class");
            classFile.setTime(Instant.parse("2025-06-07T08:09:10Z").toEpochMilli());
            out.putNextEntry(classFile);
            out.write(("class bytes ".repeat(200)).getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry("OSGI-INF/component.xml"));
            out.write("<component/>".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static Map<String, byte[]> contents(Path jar) throws IOException {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(entry)) {
                    contents.put(entry.getName(), in.readAllBytes());
                }
            }
        }
        return contents;
    }
}
