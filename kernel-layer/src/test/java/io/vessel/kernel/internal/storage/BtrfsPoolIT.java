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

    /**
     * A restore is swapped in whole, and a stop between the two renames is settled at the next start: with the new
     * area in place the old one goes, without it the old one comes back. A restore never finished is deleted.
     */
    @Test
    void aRestoreIsSwappedInWholeAndAnInterruptedSwapIsSettled() throws Exception {
        Path template = pool.beginTemplate("swap-1");
        Files.writeString(template.resolve("version"), "old\n");
        pool.sealTemplate("swap-1");
        Path area = pool.createPrivateArea(108, "swap-1");
        Path restored = pool.beginRestore(108, "108-1", 64 * MIB);
        Files.writeString(restored.resolve("version"), "new\n");
        pool.swapInRestore(108, "108-1");
        assertEquals("new\n", Files.readString(area.resolve("version")));
        assertEquals(List.of(), pool.restores());

        // stopped after the first rename: the old area comes back
        Path half = pool.beginRestore(108, "108-2", 0);
        Files.writeString(half.resolve("version"), "newer\n");
        Files.move(area, area.resolveSibling("108.old"));
        pool.settleSwaps();
        assertEquals("new\n", Files.readString(area.resolve("version")), "wholly the old tree");
        // stopped after the second rename: the new area stays, the old one goes
        Files.move(area, area.resolveSibling("108.old"));
        Files.move(half, area);
        pool.settleSwaps();
        assertEquals("newer\n", Files.readString(area.resolve("version")), "wholly the new tree");
        assertFalse(Files.exists(area.resolveSibling("108.old")));

        // a restore that was never finished is deleted, its quota with it
        pool.beginRestore(108, "108-3", 64 * MIB);
        pool.deleteRestore("108-3");
        assertEquals(List.of(), pool.restores());
        assertThrows(IOException.class, () -> pool.beginRestore(108, "../escape", 0), "names, not paths");
    }

    /**
     * A VE's snapshot read and a restore written through an idmapped mount: the VE's own owners (0…65535) instead of
     * the host's shifted ids, both ways, read-only when asked; symlinks are not followed out of the tree.
     */
    @Test
    void anIdmappedMountShowsAndWritesTheVesOwnIds() throws Exception {
        long base = 100_000L * 7;
        Path template = pool.beginTemplate("owned-1");
        Files.writeString(template.resolve("hosts"), "127.0.0.1 localhost\n");
        io.vessel.kernel.internal.linux.LibC.INSTANCE.fchownat(io.vessel.kernel.internal.linux.LibC.AT_FDCWD, template.resolve("hosts").toString(),
                (int) base + 5, (int) base + 7, 0);
        Files.createSymbolicLink(template.resolve("escape"), Path.of("/etc"));
        pool.sealTemplate("owned-1");
        Path area = pool.createPrivateArea(107, "owned-1");
        Path snapshot = pool.snapshotPrivateArea(107, "107-1");
        Path view = Files.createDirectories(work.resolve("view"));
        io.vessel.kernel.internal.linux.IdmappedMount.mount(snapshot, view, base, 65536, true);
        try {
            assertEquals(5, Files.getAttribute(view.resolve("hosts"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals(7, Files.getAttribute(view.resolve("hosts"), "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals(Path.of("/etc"), Files.readSymbolicLink(view.resolve("escape")), "a symlink stays a symlink");
            assertThrows(IOException.class, () -> Files.writeString(view.resolve("new"), "x"), "read-only");
        } finally {
            io.vessel.kernel.internal.linux.Mounts.unmount(view, false);
        }
        // a VE's tree is shifted whole (its root directory too), as IdShift leaves it
        io.vessel.kernel.internal.linux.LibC.INSTANCE.fchownat(io.vessel.kernel.internal.linux.LibC.AT_FDCWD, area.toString(), (int) base, (int) base, 0);
        io.vessel.kernel.internal.linux.IdmappedMount.mount(area, view, base, 65536, false);
        try {
            Path written = Files.writeString(view.resolve("restored"), "from a backup");
            io.vessel.kernel.internal.linux.LibC.INSTANCE.fchownat(io.vessel.kernel.internal.linux.LibC.AT_FDCWD, written.toString(), 33, 33, 0);
        } finally {
            io.vessel.kernel.internal.linux.Mounts.unmount(view, false);
        }
        assertEquals((int) base + 33, Files.getAttribute(area.resolve("restored"), "unix:uid"), "on disk: the host's shifted id");
        pool.deleteSnapshot("107-1");
        pool.deletePrivateArea(107);
        pool.deleteTemplate("owned-1");
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
    void aVeWithSubvolumesInsideIsDeletedWholeDeepestFirst() throws Exception {
        Path template = pool.beginTemplate("nest-1");
        Files.createDirectories(template.resolve("home/user"));
        pool.sealTemplate("nest-1");
        Path area = pool.createPrivateArea(103, "nest-1");
        // what a tenant could make before VEs were refused the ioctls: subvolumes, nested ones, a read-only snapshot
        io.vessel.kernel.internal.linux.Btrfs.createSubvolume(area.resolve("home/user"), "vol");
        Files.writeString(area.resolve("home/user/vol/data"), "x".repeat(100_000));
        io.vessel.kernel.internal.linux.Btrfs.createSubvolume(area.resolve("home/user/vol"), "inner");
        io.vessel.kernel.internal.linux.Btrfs.snapshot(area, area.resolve("home"), "snap", true);
        assertEquals(List.of("home/snap", "home/user/vol"), io.vessel.kernel.internal.linux.Btrfs.childSubvolumes(area).stream()
                .map(io.vessel.kernel.internal.linux.Btrfs.ChildSubvolume::path).sorted().toList());
        // what a move or backup is told, each before those inside it
        assertEquals(List.of("home/snap", "home/user/vol", "home/user/vol/inner"), pool.nestedSubvolumes(103).stream().sorted().toList());
        assertTrue(pool.nestedSubvolumes(103).indexOf("home/user/vol") < pool.nestedSubvolumes(103).indexOf("home/user/vol/inner"));

        // a backup's snapshot: the area's holds each subvolume as an empty directory, their own snapshots fill them
        Path snapshot = pool.snapshotPrivateArea(103, "103-1");
        List<StorageDriver.NestedSnapshot> nested = pool.snapshotNested(103, "103-1");
        assertEquals(List.of("home/snap", "home/user/vol", "home/user/vol/inner"), nested.stream().map(StorageDriver.NestedSnapshot::pathInVe).sorted().toList());
        StorageDriver.NestedSnapshot vol = nested.stream().filter(n -> n.pathInVe().equals("home/user/vol")).findFirst().orElseThrow();
        assertFalse(Files.exists(snapshot.resolve("home/user/vol/data")), "not in the area's snapshot");
        assertTrue(Files.isDirectory(snapshot.resolve("home/user/vol"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(100_000, Files.size(vol.snapshot().resolve("data")), "in the subvolume's own snapshot");
        assertTrue(io.vessel.kernel.internal.linux.Btrfs.isReadOnly(vol.snapshot()));
        assertEquals(List.of("103-1", "103-1-n1", "103-1-n2", "103-1-n3"), pool.snapshots());
        pool.deleteSnapshot("103-1");
        assertEquals(List.of(), pool.snapshots(), "the nested snapshots go with it");

        // a path in the tenant's tree is opened without following links: a link planted in it does not lead out
        Files.createSymbolicLink(area.resolve("home/user/out"), Path.of("/"));
        assertThrows(java.io.IOException.class, () -> io.vessel.kernel.internal.linux.Btrfs.openBeneath(area, "home/user/out/etc").close());
        assertThrows(java.io.IOException.class, () -> io.vessel.kernel.internal.linux.Btrfs.openBeneath(area, "home/../../..").close());
        io.vessel.kernel.internal.linux.Btrfs.openBeneath(area, "home/user/vol").close();

        pool.deletePrivateArea(103);
        assertFalse(Files.exists(area), "the VE's area is gone with everything in it");
        pool.deleteTemplate("nest-1");
    }

    @Test
    void aTemplateWithAMountLeftInsideIsStillDeleted() throws Exception {
        Path template = pool.beginTemplate("mounted-1");
        Files.createDirectories(template.resolve("proc"));
        // what debootstrap leaves now and then when a program in the chroot holds /proc at its exit
        io.vessel.kernel.internal.linux.Mounts.mount("proc", template.resolve("proc"), "proc", 0, null);
        pool.sealTemplate("mounted-1");
        assertEquals(List.of(template.resolve("proc")), io.vessel.kernel.internal.linux.Mounts.under(template));

        pool.deleteTemplate("mounted-1");
        assertFalse(Files.exists(template));
        assertEquals(List.of(), io.vessel.kernel.internal.linux.Mounts.under(template), "nothing stays mounted on the host");
    }

    @Test
    void deletingASnapshotNeverSuspendsTheOtherVesQuotas() throws Exception {
        Path sysfs = Path.of("/sys/fs/btrfs", io.vessel.kernel.internal.linux.Btrfs.fsid(mountPoint).toString(), "qgroups");
        assertEquals("8", Files.readString(sysfs.resolve("drop_subtree_threshold")).strip(), "the pool accounts deletions in full");
        Path template = pool.beginTemplate("deep-1");
        for (int i = 0; i < 3000; i++) { // a tree a few levels deep, shared by every snapshot of it
            Files.writeString(Files.createDirectories(template.resolve("d" + i % 30)).resolve("f" + i), "x".repeat(i % 700));
        }
        pool.sealTemplate("deep-1");
        pool.createPrivateArea(104, "deep-1");
        pool.createPrivateArea(105, "deep-1");
        pool.setDiskQuota(105, 24 * MIB);

        // the same deletion with the kernel's default threshold would skip accounting and stop enforcement
        Files.writeString(sysfs.resolve("drop_subtree_threshold"), "0");
        pool.createPrivateArea(106, "deep-1");
        Files.writeString(pool.privateArea(106).resolve("d1/changed"), "y");
        pool.deletePrivateArea(106);
        awaitCleaned();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.readString(sysfs.resolve("inconsistent")).strip().equals("0") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("1", Files.readString(sysfs.resolve("inconsistent")).strip(), "the test can see the failure it guards against");
        assertTrue(pool.quotaProblem().isPresent(), "reported, and a rescan started");
        io.vessel.kernel.internal.linux.Btrfs.enableQuota(mountPoint); // waits for the rescan
        assertEquals("0", Files.readString(sysfs.resolve("inconsistent")).strip(), "the rescan repaired it");

        // as the pool sets it: a VE deleted, every other quota still enforced
        Files.writeString(sysfs.resolve("drop_subtree_threshold"), "8");
        Files.writeString(pool.privateArea(104).resolve("d2/changed"), "y");
        pool.deletePrivateArea(104);
        awaitCleaned();
        assertEquals("0", Files.readString(sysfs.resolve("inconsistent")).strip());
        assertTrue(pool.quotaProblem().isEmpty());
        assertThrows(IOException.class, () -> {
            try (OutputStream out = Files.newOutputStream(pool.privateArea(105).resolve("fill"))) {
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < 64; i++) {
                    out.write(chunk);
                    out.flush();
                }
            }
            io.vessel.kernel.internal.linux.Btrfs.sync(mountPoint);
        }, "VE 105's 24 MiB quota stops a 64 MiB write");
        pool.deletePrivateArea(105);
        pool.deleteTemplate("deep-1");
    }

    /** Subvolume deletion finishes in the background (the cleaner): wait until every deleted tree is dropped. */
    private void awaitCleaned() throws Exception {
        Process sync = new ProcessBuilder("btrfs", "subvolume", "sync", mountPoint.toString()).redirectErrorStream(true).start();
        assertTrue(sync.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "btrfs subvolume sync");
        io.vessel.kernel.internal.linux.Btrfs.sync(mountPoint);
    }

    @Test
    void thePoolsLoopDeviceBypassesTheHostsPageCacheAndItsImageIsNotCopyOnWriteOnBtrfs() throws Exception {
        String device = Mounts.find(mountPoint).orElseThrow().source();
        Path dio = Path.of("/sys/block", Path.of(device).getFileName().toString(), "loop/dio");
        assertEquals("1", Files.readString(dio).strip(), "direct I/O: pool pages are not cached a second time by the host");

        // a data directory that is itself on btrfs: the image inside it is made no-copy-on-write
        Path outer = work.resolve("btrfs-data");
        BtrfsPool data = BtrfsPool.onImage(work.resolve("outer.img"), outer, 256 * MIB);
        try {
            BtrfsPool inner = BtrfsPool.onImage(outer.resolve("pool.img"), work.resolve("inner"), 128 * MIB);
            String attributes = new String(new ProcessBuilder("lsattr", outer.resolve("pool.img").toString()).start().getInputStream().readAllBytes());
            inner.unmount();
            assertTrue(attributes.split("\\s+")[0].contains("C"), "no copy-on-write: " + attributes);
        } finally {
            data.unmount();
        }
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

    /**
     * A hostile sender (a compromised node) crafts a stream whose parent is another tenant's snapshot on this node,
     * named by its UUID: btrfs receive looks parents and clone sources up in the whole file system, whatever its
     * --chroot, so the receive is confined to the staging subvolume and refuses it; nothing is made of those files.
     */
    @Test
    void aReceivedStreamCannotBeMadeOfFilesOutsideTheStagingArea() throws Exception {
        Path template = pool.beginTemplate("base-1");
        Files.writeString(template.resolve("os-release"), "vessel\n");
        pool.sealTemplate("base-1");
        Path victim = pool.createPrivateArea(201, "base-1");
        Files.writeString(victim.resolve("password"), "tenant 201's secret\n");
        pool.snapshotPrivateArea(201, "201-1");
        Path snapshots = mountPoint.resolve("snapshots");
        io.vessel.kernel.internal.linux.Btrfs.snapshot(snapshots.resolve("201-1"), snapshots, "evil-w", false);
        Files.writeString(snapshots.resolve("evil-w/mine"), "x\n");
        io.vessel.kernel.internal.linux.Btrfs.snapshot(snapshots.resolve("evil-w"), snapshots, "evil", true);
        byte[] crafted = sent(pool.sendSnapshot("evil", "201-1")); // "what changed since tenant 201's snapshot"

        IOException refused = assertThrows(IOException.class,
                () -> pool.receivePrivateArea(202, "evil", null, true, new java.io.ByteArrayInputStream(crafted)));
        assertTrue(refused.getMessage().contains("not reachable"), refused.getMessage());
        assertFalse(pool.privateAreaExists(202), "no VE was made of tenant 201's files");
        try (java.util.stream.Stream<Path> left = Files.list(mountPoint.resolve("received"))) {
            assertEquals(List.of(), left.toList(), "the staging area is empty");
        }
    }

    /**
     * A VE made from a template that the receiving node holds a copy of is sent relative to it: only what the VE
     * changed travels, and the moved VE shares the template copy's blocks. A template of the same name made apart
     * on each node (as the built-in one is) is no base: its files may differ.
     */
    @Test
    void aVeIsSentRelativeToATemplateCopyOfTheSameOrigin() throws Exception {
        Path other = work.resolve("other");
        BtrfsPool target = BtrfsPool.onImage(work.resolve("other.img"), other, 512 * MIB);
        try {
            Path template = pool.beginTemplate("big-1");
            write(template.resolve("library.so"), 16 * MIB);
            pool.sealTemplate("big-1");
            target.receiveTemplate("big-1", new java.io.ByteArrayInputStream(sent(pool.sendTemplate("big-1"))));
            Path area = pool.createPrivateArea(301, "big-1");
            Files.writeString(area.resolve("moved.txt"), "written in the VE\n");
            pool.snapshotPrivateArea(301, "301-1");

            StorageDriver.TemplateBase base = pool.snapshotTemplateBase("big-1", "301-1-base");
            assertEquals(java.util.Optional.empty(), target.prepareTemplateBase("big-1", base, "301-1"));
            byte[] stream = sent(pool.sendSnapshot("301-1", "301-1-base"));
            assertTrue(stream.length < MIB, "only what the VE changed travels: " + stream.length + " bytes");
            target.receivePrivateArea(301, "301-1", "301-1-base", true, new java.io.ByteArrayInputStream(stream));

            Path moved = target.privateArea(301);
            assertEquals("written in the VE\n", Files.readString(moved.resolve("moved.txt")));
            assertEquals(Files.mismatch(template.resolve("library.so"), moved.resolve("library.so")), -1L, "the template's files are there");
            io.vessel.kernel.internal.linux.Btrfs.sync(other);
            assertTrue(target.diskUsage(301).exclusiveBytes() < 4 * MIB, "the moved VE shares the template copy's blocks: "
                    + target.diskUsage(301));
            try (java.util.stream.Stream<Path> left = Files.list(other.resolve("received"))) {
                assertEquals(List.of(), left.toList(), "nothing is left in the staging area");
            }

            // made apart on each node: same name, other origin
            Files.writeString(pool.beginTemplate("apart-1").resolve("f"), "same\n");
            pool.sealTemplate("apart-1");
            Files.writeString(target.beginTemplate("apart-1").resolve("f"), "same\n");
            target.sealTemplate("apart-1");
            StorageDriver.TemplateBase apart = pool.snapshotTemplateBase("apart-1", "302-1-base");
            assertTrue(target.prepareTemplateBase("apart-1", apart, "302-1").orElseThrow().contains("not made from the sender's"));
            assertTrue(target.prepareTemplateBase("none-1", apart, "302-1").orElseThrow().contains("not in this pool"));
        } finally {
            target.unmount();
        }
    }

    /** What a running send wrote, once it ended well. */
    private static byte[] sent(Process send) throws Exception {
        byte[] bytes = send.getInputStream().readAllBytes();
        assertEquals(0, send.waitFor(), "btrfs send");
        return bytes;
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
