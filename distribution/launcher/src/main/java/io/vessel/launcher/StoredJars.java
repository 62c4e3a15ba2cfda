package io.vessel.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Enumeration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the distribution's bundle jars with every entry stored instead of deflated, at build time.
 *
 * <p>Why: Felix reads each class a bundle loads from its jar and hands the bytes to {@code defineClass}, also for the
 * classes the class-data archive holds (the JVM matches those by their bytes), so a start inflated about 10,000
 * class files: a profile of a restart (async-profiler, every thread) put 0.2 s of CPU in zlib, half of it on the
 * persistence thread the start waits for. Alternated restarts of the two layouts: about 0.2-0.3 s faster stored. The
 * bundle directory grows from 64 to 143 MiB on disk; the Debian package, made from that directory, shrinks (68 to
 * 54 MB: xz compresses stored class files better than deflated ones). The tar archive is assembled from the Maven
 * artifacts before this runs and keeps them deflated, as it has no class-data archive either.
 *
 * <p>Entries keep their order, names, times, extra fields and bytes, so a signed jar (BouncyCastle's) stays valid: its
 * signature covers the entries' contents, not how they are compressed. A jar already stored is left as it is.
 *
 * <p>Written here because nothing the build already uses does it: the assembly plugin copies jars as they are, and
 * Ant's {@code zip} task (which can store) has no loop over a directory's jars without ant-contrib.
 *
 * <p>{@code java io.vessel.launcher.StoredJars <directory>...}: every {@code *.jar} directly in each directory.
 */
public final class StoredJars {

    private StoredJars() {
    }

    public static void main(String[] args) throws IOException {
        int rewritten = 0;
        for (String dir : args) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of(dir), "*.jar")) {
                for (Path jar : jars) {
                    if (store(jar)) {
                        rewritten++;
                    }
                }
            }
        }
        System.out.println("stored-jars: " + rewritten + " jar(s) rewritten with stored entries");
    }

    /** Rewrites {@code jar} in place (through a temporary file beside it); false if every entry was stored already. */
    static boolean store(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            if (zip.stream().allMatch(e -> e.getMethod() == ZipEntry.STORED)) {
                return false;
            }
        }
        FileTime modified = Files.getLastModifiedTime(jar);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".stored.tmp");
        try (ZipFile zip = new ZipFile(jar.toFile()); OutputStream file = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(file)) {
            out.setComment(zip.getComment());
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                byte[] bytes;
                try (InputStream in = zip.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                out.putNextEntry(storedCopy(entry, bytes));
                out.write(bytes);
                out.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.setLastModifiedTime(tmp, modified);
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private static ZipEntry storedCopy(ZipEntry entry, byte[] bytes) {
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setMethod(ZipEntry.STORED);
        copy.setSize(bytes.length);
        copy.setCompressedSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        copy.setCrc(crc.getValue());
        copy.setTime(entry.getTime());
        if (entry.getExtra() != null) {
            copy.setExtra(entry.getExtra());
        }
        if (entry.getComment() != null) {
            copy.setComment(entry.getComment());
        }
        return copy;
    }
}
