package io.vessel.kernel.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.internal.linux.Mounts;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The btrfs pool on a real loop-mounted image: templates, snapshots, quotas, usage, clean removal. */
class BtrfsPoolIT {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path work;
    private BtrfsPool pool;
    private Path mountPoint;

    @BeforeEach
    void mountPool() throws IOException {
        assertEquals("0", System.getProperty("user.name").equals("root") ? "0" : "not root",
                "the storage tests need root (CI runs as root)");
        mountPoint = work.resolve("pool");
        pool = BtrfsPool.onImage(work.resolve("pool.img"), mountPoint, 512 * MIB);
    }

    @AfterEach
    void unmountPool() throws IOException {
        if (Mounts.find(mountPoint).isPresent()) {
            pool.unmount();
        }
        assertTrue(Mounts.find(mountPoint).isEmpty(), "pool unmounted");
    }

    @Test
    void filesAreCountedFromTheSubvolumeTreeWithoutWalkingIt() throws Exception {
        Path template = pool.beginTemplate("counted-1");
        for (int i = 0; i < 5000; i++) {
            Files.writeString(Files.createDirectories(template.resolve("d" + i % 50)).resolve("f" + i), "x");
        }
        Files.createSymbolicLink(template.resolve("link"), Path.of("d0/f0"));
        pool.sealTemplate("counted-1");
        Path area = pool.createPrivateArea(102, "counted-1");
        // the root directory, 50 directories, 5000 files and a link; many more than one search returns
        assertEquals(5052, pool.inodes(102).getAsLong());
        Files.delete(area.resolve("d1/f1"));
        Files.writeString(area.resolve("new"), "y");
        Files.createDirectory(area.resolve("newdir"));
        assertEquals(5053, pool.inodes(102).getAsLong(), "the VE's own changes count");
        pool.deletePrivateArea(102);
        pool.deleteTemplate("counted-1");

        // quota groups of deleted subvolumes: kept while the kernel still counts bytes, swept once empty
        io.vessel.kernel.internal.linux.Btrfs.sync(mountPoint);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (pool.sweepQgroups() == 0 && leftover() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(0, leftover(), "no quota group of a deleted subvolume is left");
    }

    private long leftover() throws IOException {
        long n = 0;
        for (var group : io.vessel.kernel.internal.linux.Btrfs.qgroups(mountPoint)) {
            if (group.subvolumeId() >= 256 && !io.vessel.kernel.internal.linux.Btrfs.subvolumeExists(mountPoint, group.subvolumeId())) {
                n++;
            }
        }
        return n;
    }

    @Test
    void templateSnapshotQuotaUsageAndRemoval() throws Exception {
        Path template = pool.beginTemplate("tiny-1");
        Files.writeString(template.resolve("hello.txt"), "from the template");
        pool.sealTemplate("tiny-1");
        assertThrows(FileSystemException.class, () -> Files.writeString(template.resolve("more.txt"), "x"),
                "a sealed template is read-only");

        Path area = pool.createPrivateArea(101, "tiny-1");
        assertEquals("from the template", Files.readString(area.resolve("hello.txt")), "the snapshot has the template's files");
        Files.writeString(area.resolve("hello.txt"), "changed in the VE");
        assertEquals("from the template", Files.readString(template.resolve("hello.txt")), "the template is untouched");
        assertEquals(List.of(101), pool.privateAreas());

        long before = pool.diskUsage(101).exclusiveBytes();
        write(area.resolve("data.bin"), 8 * MIB);
        StorageDriver.DiskUsage after = pool.diskUsage(101);
        assertTrue(after.exclusiveBytes() - before >= 8 * MIB, "usage grew by the written file: " + before + " -> " + after);

        pool.setDiskQuota(101, 20 * MIB);
        IOException full = assertThrows(IOException.class, () -> write(area.resolve("big.bin"), 64 * MIB));
        assertTrue(full.getMessage().contains("Disk quota exceeded") || full.getMessage().contains("No space"), full.getMessage());
        Files.delete(area.resolve("big.bin"));
        pool.setDiskQuota(101, 0);
        write(area.resolve("big.bin"), 32 * MIB); // the limit is gone

        pool.deletePrivateArea(101);
        assertFalse(Files.exists(area));
        assertEquals(List.of(), pool.privateAreas());
        pool.deleteTemplate("tiny-1");
        assertFalse(pool.templateExists("tiny-1"));
    }

    @Test
    void remountingFindsThePoolAsItWas() throws Exception {
        Path template = pool.beginTemplate("keep-1");
        Files.writeString(template.resolve("f"), "kept");
        pool.sealTemplate("keep-1");
        pool.unmount();

        pool = BtrfsPool.onImage(work.resolve("pool.img"), mountPoint, 512 * MIB);
        assertEquals("kept", Files.readString(pool.templatePath("keep-1").resolve("f")));
        // a pool that is still mounted (panel killed) is adopted as it is
        BtrfsPool again = BtrfsPool.onImage(work.resolve("pool.img"), mountPoint, 512 * MIB);
        assertTrue(again.templateExists("keep-1"));
    }

    private static void write(Path file, long bytes) throws IOException {
        byte[] chunk = new byte[(int) MIB];
        new java.util.Random(1).nextBytes(chunk);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < bytes; written += chunk.length) {
                out.write(chunk);
            }
            out.flush();
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
