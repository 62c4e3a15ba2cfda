package io.vessel.kernel.internal.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.zstd.ZstdOutputStream;
import io.vessel.kernel.api.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Root file system tarballs: what is accepted and unpacked faithfully, and what a hostile archive cannot do. */
class RootfsTarballTest {

    @TempDir
    Path work;

    /** Builds a tarball entry by entry. */
    private final class Archive {
        private final List<Consumer<TarArchiveOutputStream>> entries = new java.util.ArrayList<>();

        Archive dir(String name, int mode) {
            return add(name, TarConstants.LF_DIR, null, mode, null);
        }

        Archive file(String name, int mode, String content) {
            return add(name, TarConstants.LF_NORMAL, null, mode, content);
        }

        Archive symlink(String name, String target) {
            return add(name, TarConstants.LF_SYMLINK, target, 0777, null);
        }

        Archive hardlink(String name, String target) {
            return add(name, TarConstants.LF_LINK, target, 0644, null);
        }

        Archive device(String name) {
            return add(name, TarConstants.LF_CHR, null, 0666, null);
        }

        Archive ownedFile(String name, int uid) {
            entries.add(tar -> put(tar, entry(name, TarConstants.LF_NORMAL, null, 0644, uid), ""));
            return this;
        }

        private Archive add(String name, byte type, String link, int mode, String content) {
            entries.add(tar -> put(tar, entry(name, type, link, mode, 0), content));
            return this;
        }

        private TarArchiveEntry entry(String name, byte type, String link, int mode, int uid) {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            if (link != null) {
                e.setLinkName(link);
            }
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(uid == 0 ? 0 : uid);
            return e;
        }

        private void put(TarArchiveOutputStream tar, TarArchiveEntry e, String content) {
            try {
                byte[] bytes = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
                e.setSize(bytes.length);
                tar.putArchiveEntry(e);
                tar.write(bytes);
                tar.closeArchiveEntry();
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }

        Path write(String compression) throws IOException {
            Path file = Files.createTempFile(work, "rootfs", ".tar");
            try (OutputStream raw = Files.newOutputStream(file);
                 OutputStream compressed = switch (compression) {
                     case "gz" -> new GZIPOutputStream(raw);
                     case "xz" -> new XZOutputStream(raw, new LZMA2Options());
                     case "zst" -> new ZstdOutputStream(raw);
                     default -> raw;
                 };
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                entries.forEach(e -> e.accept(tar));
            }
            return file;
        }
    }

    private Archive smallSystem() {
        return new Archive().dir("./", 0755).dir("./bin/", 0755).file("./bin/busybox", 0755, "#!binary")
                .symlink("./bin/sh", "busybox").dir("./etc/", 0755).file("./etc/passwd", 0644, "root:x:0:0::/root:/bin/sh\n")
                .symlink("./etc/mtab", "/proc/self/mounts").symlink("./sbin", "bin").file("./bin/su", 04755, "setuid")
                .hardlink("./bin/login", "./bin/su").ownedFile("./home/user/notes", 1000)
                .file("./usr/share/doc/" + "x".repeat(120) + "/README", 0644, "long names survive");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "gz", "xz", "zst"})
    void aRootFileSystemIsUnpackedFaithfullyFromEveryCompression(String compression) throws Exception {
        Path tarball = smallSystem().write(compression);
        RootfsTarball.Scan scan = RootfsTarball.scan(tarball, 1 << 20);
        assertTrue(scan.ok(), scan.problems().toString());
        assertTrue(scan.hasFile("/bin/sh"), "/bin/sh resolves through the archive's own link");
        assertTrue(scan.hasFile("/sbin/busybox"), "a linked directory is followed inside the archive");

        Path root = Files.createDirectory(work.resolve("root-" + compression));
        int[] lastPercent = {0};
        RootfsExtractor.extract(tarball, root, (percent, message) -> lastPercent[0] = percent);
        assertEquals(100, lastPercent[0], "progress reaches 100 %");
        assertEquals("root:x:0:0::/root:/bin/sh\n", Files.readString(root.resolve("etc/passwd")));
        assertEquals(Path.of("/proc/self/mounts"), Files.readSymbolicLink(root.resolve("etc/mtab")), "absolute links are kept as they are");
        assertEquals(04755, (int) Files.getAttribute(root.resolve("bin/su"), "unix:mode") & 07777, "set-uid survives");
        assertEquals(Files.getAttribute(root.resolve("bin/su"), "unix:ino"), Files.getAttribute(root.resolve("bin/login"), "unix:ino"), "hard link");
        assertEquals(1000, Files.getAttribute(root.resolve("home/user/notes"), "unix:uid"), "owners are kept");
        assertEquals("long names survive", Files.readString(root.resolve("usr/share/doc/" + "x".repeat(120) + "/README")));
    }

    @Test
    void hostileArchivesAreRefusedWithEveryReasonAndNothingIsWritten() throws Exception {
        Path tarball = new Archive().dir("etc/", 0755)
                .file("../../outside", 0644, "escape")
                .device("dev/sda")
                .symlink("etc/escape", "../../../etc/shadow")
                .symlink("host", "/etc").file("host/passwd", 0644, "owned")
                .hardlink("shadow", "../../etc/shadow")
                .hardlink("ghost", "etc/never-there")
                .ownedFile("big-uid", 100000)
                .write("gz");
        RootfsTarball.Scan scan = RootfsTarball.scan(tarball, 1 << 20);
        assertFalse(scan.ok());
        String problems = String.join("\n", scan.problems());
        assertTrue(problems.contains("'../../outside' climbs out of the root"), problems);
        assertTrue(problems.contains("'dev/sda' is a device node"), problems);
        assertTrue(problems.contains("'etc/escape' -> '../../../etc/shadow' points out of the root"), problems);
        assertTrue(problems.contains("'host/passwd' would be written through the symbolic link 'host'"), problems);
        assertTrue(problems.contains("hard link 'shadow' -> '../../etc/shadow' points out of the root"), problems);
        assertTrue(problems.contains("hard link 'ghost' -> 'etc/never-there' names no earlier file"), problems);
        assertTrue(problems.contains("'big-uid' is owned by 100000:100000"), problems);
    }

    @Test
    void theExtractorItselfNeverWritesThroughALinkEvenWithoutTheScan() throws Exception {
        Path outside = Files.createDirectory(work.resolve("outside"));
        Path tarball = new Archive().symlink("host", outside.toString()).file("host/planted", 0644, "owned").write("plain");
        Path root = Files.createDirectory(work.resolve("root"));
        IOException refused = assertThrows(IOException.class, () -> RootfsExtractor.extract(tarball, root, Progress.NONE));
        assertTrue(refused.getMessage().contains("through the symbolic link 'host'"), refused.getMessage());
        assertFalse(Files.exists(outside.resolve("planted")), "nothing was written outside the root");
    }

    @Test
    void aLaterEntryReplacesALinkInsteadOfFollowingIt() throws Exception {
        Path victim = Files.writeString(work.resolve("victim"), "host file");
        Path tarball = new Archive().symlink("etc-hostname", victim.toString()).file("etc-hostname", 0644, "ve1\n").write("plain");
        Path root = Files.createDirectory(work.resolve("root"));
        RootfsExtractor.extract(tarball, root, Progress.NONE);
        assertEquals("host file", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(root.resolve("etc-hostname")));
        assertEquals("ve1\n", Files.readString(root.resolve("etc-hostname")));
    }

    @Test
    void garbageAndTooLargeArchivesAreRefused() throws Exception {
        Path garbage = Files.writeString(work.resolve("garbage.tar"), "this is not an archive at all, just text ".repeat(20));
        RootfsTarball.Scan scan;
        try {
            scan = RootfsTarball.scan(garbage, 1 << 20);
            assertFalse(scan.ok(), "garbage is refused");
        } catch (IOException expected) {
            // refused as unreadable
        }
        Path big = smallSystem().write("gz");
        scan = RootfsTarball.scan(big, 10);
        assertTrue(scan.problems().get(0).contains("more than the 10 allowed"), scan.problems().toString());
    }

    @Test
    void pathsInsideATemplateResolveAsInsideTheVe() throws Exception {
        Path root = Files.createDirectory(work.resolve("root"));
        Files.createDirectories(root.resolve("usr/sbin"));
        Files.createSymbolicLink(root.resolve("sbin"), Path.of("usr/sbin"));
        Files.createSymbolicLink(root.resolve("usr/escape"), Path.of("../../../../.."));
        Files.createDirectories(root.resolve("etc-real"));
        Files.createSymbolicLink(root.resolve("etc"), Path.of("../../../etc-real"));
        VesselInit.install(root);
        assertTrue(Files.isRegularFile(root.resolve("usr/sbin/vessel-init"), LinkOption.NOFOLLOW_LINKS), "followed the merged-/usr link");
        InRoot.write(root, "etc/hostname", "ve\n", "rw-r--r--");
        assertEquals("ve\n", Files.readString(root.resolve("etc-real/hostname")), "'..' stops at the root");
        InRoot.write(root, "usr/escape/tmp/x", "x", "rw-r--r--");
        assertEquals("x", Files.readString(root.resolve("tmp/x")), "a link climbing out lands at the root");
        Files.createSymbolicLink(root.resolve("loop"), Path.of("/loop"));
        assertThrows(IOException.class, () -> InRoot.write(root, "loop/x", "x", "rw-r--r--"), "link loops end");
    }
}
