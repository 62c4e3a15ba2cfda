package io.vessel.kernel.internal.storage;

import io.vessel.kernel.internal.linux.Btrfs;
import io.vessel.kernel.internal.linux.LoopDevice;
import io.vessel.kernel.internal.linux.Mounts;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A btrfs storage pool: templates are read-only subvolumes, each VE's private area is a writable snapshot of
 * its template (instant, sharing blocks) with a quota group limit as its disk quota.
 *
 * <p>Zero-setup default: a sparse image file, formatted once with {@code mkfs.btrfs} and loop-mounted at start
 * through ioctls. An existing btrfs mount can be used instead. Layout: {@code templates/<id>}, {@code ves/<id>}.
 */
public final class BtrfsPool implements StorageDriver {

    private static final Logger LOG = LoggerFactory.getLogger(BtrfsPool.class);

    private final Path root;
    private final Path templates;
    private final Path ves;
    /** Read-only snapshots of private areas, held while a backup reads them. */
    private final Path snapshots;
    /** Fresh trees a restore writes, swapped in for a VE's private area once complete. */
    private final Path restores;
    /** This pool was mounted by {@link #onImage} (not found mounted already). */
    private boolean mountedWhenOpened;

    private BtrfsPool(Path root) throws IOException {
        this.root = root;
        this.templates = Files.createDirectories(root.resolve("templates"));
        this.ves = Files.createDirectories(root.resolve("ves"));
        this.snapshots = Files.createDirectories(root.resolve("snapshots"));
        this.restores = Files.createDirectories(root.resolve("restores"));
        // Root's alone: VEs reach their private areas through bind mounts under the node's runtime root
        // (VeRootMounts), never through the pool, so no VE uid can pass into another VE's area here.
        for (Path dir : List.of(root, templates, ves, snapshots, restores)) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Uses a btrfs file system already mounted at {@code mountPoint}. */
    public static BtrfsPool onMount(Path mountPoint) throws IOException {
        Optional<Mounts.Mount> mount = Mounts.find(mountPoint);
        if (mount.isEmpty() || !mount.get().fsType().equals("btrfs")) {
            throw new IOException(mountPoint + " is not a mounted btrfs file system");
        }
        Btrfs.enableQuota(mountPoint);
        BtrfsPool pool = new BtrfsPool(mountPoint);
        pool.keepAccountingWhenDropping();
        pool.sweepQgroups();
        pool.quotaProblem(); // a pool left inconsistent (a crash during a big deletion) is rescanned at once
        return pool;
    }

    /**
     * Mounts (creating on first use) the pool image {@code image} at {@code mountPoint}. A pool left mounted by
     * a previous run of the panel is reused as it is.
     */
    public static BtrfsPool onImage(Path image, Path mountPoint, long sizeBytes) throws IOException {
        Files.createDirectories(mountPoint);
        Optional<Mounts.Mount> mounted = Mounts.find(mountPoint);
        if (mounted.isPresent() && mounted.get().fsType().equals("btrfs")) {
            LOG.info("Storage pool already mounted mountPoint={} device={}", mountPoint, mounted.get().source());
            return onMount(mountPoint);
        }
        if (!Files.exists(image)) {
            create(image, sizeBytes);
        }
        try (LoopDevice loop = LoopDevice.attach(image)) {
            Mounts.mount(loop.device().toString(), mountPoint, "btrfs", Mounts.MS_NOATIME, null);
            LOG.info("Storage pool mounted image={} device={} mountPoint={}", image, loop.device(), mountPoint);
        } catch (IOException e) {
            throw new IOException("cannot mount storage pool " + image + ": " + e.getMessage(), e);
        }
        BtrfsPool pool = onMount(mountPoint);
        pool.mountedWhenOpened = true;
        return pool;
    }

    /** Whether opening this pool mounted it (a pool found mounted, or the provider's own mount, was not). */
    public boolean mountedWhenOpened() {
        return mountedWhenOpened;
    }

    private static void create(Path image, long sizeBytes) throws IOException {
        Files.createDirectories(image.getParent());
        Path partial = image.resolveSibling(image.getFileName() + ".new");
        Files.deleteIfExists(partial);
        Files.createFile(partial);
        noCopyOnWrite(partial);
        try (RandomAccessFile file = new RandomAccessFile(partial.toFile(), "rw")) {
            file.setLength(sizeBytes); // sparse: blocks are allocated as VEs write
        }
        run(List.of(mkfs(), "-q", "-L", "vessel-pool", partial.toString()));
        Files.move(partial, image);
        LOG.info("Storage pool created image={} sizeBytes={}", image, sizeBytes);
    }

    private static final long FS_IOC_GETFLAGS = 0x80086601L;
    private static final long FS_IOC_SETFLAGS = 0x40086602L;
    private static final int FS_NOCOW_FL = 0x00800000;

    /**
     * A pool image on a btrfs data directory would be copy-on-write twice over (the pool's btrfs inside the host's),
     * fragmenting with every VE write: the empty image is marked no-COW ({@code chattr +C}), which only takes effect
     * before it holds data. Other file systems have no such flag and need none.
     */
    static void noCopyOnWrite(Path emptyFile) {
        try (io.vessel.kernel.internal.linux.Fd fd = io.vessel.kernel.internal.linux.Fd.open(emptyFile,
                io.vessel.kernel.internal.linux.LibC.O_RDONLY); com.sun.jna.Memory flags = new com.sun.jna.Memory(8)) {
            if (!Mounts.fileSystemOf(emptyFile).equals("btrfs")) {
                return;
            }
            flags.clear();
            io.vessel.kernel.internal.linux.LibC.INSTANCE.ioctl(fd.value(), FS_IOC_GETFLAGS, flags);
            flags.setInt(0, flags.getInt(0) | FS_NOCOW_FL);
            io.vessel.kernel.internal.linux.LibC.INSTANCE.ioctl(fd.value(), FS_IOC_SETFLAGS, flags);
            LOG.info("Pool image marked no-copy-on-write on its btrfs data directory image={}", emptyFile);
        } catch (IOException | com.sun.jna.LastErrorException e) {
            LOG.warn("Pool image not marked no-copy-on-write image={}: {}", emptyFile, e.getMessage());
        }
    }

    /** Where btrfs-progs' {@code btrfs} is: send and receive (the kernel's stream format) are done by the maintained tool. */
    private static String btrfs() throws IOException {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "btrfs"))) {
                return dir + "/btrfs";
            }
        }
        throw new IOException("btrfs not found: install btrfs-progs to move VEs between nodes");
    }

    /** util-linux's {@code unshare}: a receive runs in a mount namespace of its own. */
    private static String unshare() throws IOException {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, "unshare"))) {
                return dir + "/unshare";
            }
        }
        throw new IOException("unshare not found: install util-linux to move VEs between nodes");
    }

    @Override
    public Process sendSnapshot(String name, String parent) throws IOException {
        if (!name.matches("[A-Za-z0-9-]{1,64}") || !Files.isDirectory(snapshots.resolve(name))) {
            throw new IOException("no snapshot " + name);
        }
        if (parent != null && (!parent.matches("[A-Za-z0-9-]{1,64}") || !Files.isDirectory(snapshots.resolve(parent)))) {
            throw new IOException("no snapshot " + parent);
        }
        return send(snapshots.resolve(name), parent == null ? null : snapshots.resolve(parent), "snapshot " + name);
    }

    @Override
    public TemplateBase snapshotTemplateBase(String templateId, String name) throws IOException {
        if (!name.matches("[A-Za-z0-9-]{1,64}") || !templateSealed(templateId)) {
            throw new IOException(templateSealed(templateId) ? "not a snapshot name: " + name : "template " + templateId + " is not in this pool");
        }
        Path template = templatePath(templateId);
        // writable first: a writable snapshot carries no received UUID, so the base gets an identity of its own that no
        // other subvolume on the receiver carries (a read-only snapshot of a copy would be named by its origin's UUID,
        // which the receiver's own copy carries too, and btrfs receive takes the first subvolume it finds by it)
        Btrfs.snapshot(template, snapshots, name, false);
        Path base = snapshots.resolve(name);
        try {
            Btrfs.setReadOnly(base, true);
            Btrfs.SubvolumeInfo identity = Btrfs.info(base);
            return new TemplateBase(Btrfs.info(template).sentAs(), identity.uuid(), identity.ctransid());
        } catch (IOException e) {
            deleteWithNested(base);
            throw e;
        }
    }

    @Override
    public Optional<String> prepareTemplateBase(String templateId, TemplateBase base, String name) throws IOException {
        if (!name.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IOException("not a snapshot name: " + name);
        }
        if (!templateSealed(templateId)) {
            return Optional.of("template " + templateId + " is not in this pool");
        }
        Path template = templatePath(templateId);
        if (!Btrfs.info(template).sentAs().equals(base.origin())) {
            // the same name made apart on each node (the built-in template): its files may differ, so it is no base
            return Optional.of("this node's copy of template " + templateId + " was not made from the sender's");
        }
        Path staging = staging();
        Path prepared = staging.resolve(name + BASE_SUFFIX);
        if (Files.exists(prepared, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            deleteWithNested(prepared); // an earlier attempt's
        }
        Btrfs.snapshot(template, staging, prepared.getFileName().toString(), false);
        try {
            // named as the sender's base is in its stream, inside the staging area where the receive is confined
            Btrfs.markReceived(prepared, base.uuid(), base.ctransid());
            Btrfs.setReadOnly(prepared, true);
        } catch (IOException e) {
            deleteWithNested(prepared);
            throw e;
        }
        return Optional.empty();
    }

    /** What a base prepared for snapshot {@code name} ({@link #prepareTemplateBase}) is called in the staging area. */
    private static final String BASE_SUFFIX = ".base";

    @Override
    public void receivePrivateArea(int veId, String name, String parent, boolean last, java.io.InputStream stream) throws IOException {
        if (parent != null && !parent.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IOException("not a snapshot name: " + parent);
        }
        Path received;
        try {
            received = receive(name, stream);
        } finally {
            Path base = root.resolve("received").resolve(name + BASE_SUFFIX);
            if (Files.exists(base, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteWithNested(base); // the received tree is a snapshot of its own
            }
        }
        if (!last) {
            return; // the first pass: the next stream names it as its parent
        }
        try {
            // the received tree is read-only and marked as received; the VE gets a writable snapshot of it
            Btrfs.snapshot(received, ves, String.valueOf(veId), false);
        } finally {
            deleteWithNested(received);
            Path earlier = parent == null ? null : root.resolve("received").resolve(parent);
            if (earlier != null && Files.exists(earlier, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteWithNested(earlier);
            }
        }
    }

    @Override
    public Process sendTemplate(String id) throws IOException {
        if (!templateSealed(id)) {
            throw new IOException("template " + id + " is not in this pool");
        }
        return send(templatePath(id), null, "template " + id);
    }

    @Override
    public void receiveTemplate(String id, java.io.InputStream stream) throws IOException {
        if (templateExists(id)) {
            throw new IOException("template " + id + " is in this pool already");
        }
        Path received = receive(id, stream);
        try {
            // a read-only subvolume cannot be moved to another directory; a read-only snapshot of it is sealed as a
            // template made here is, and shares its blocks
            Btrfs.snapshot(received, templates, id, true);
        } finally {
            deleteWithNested(received);
        }
    }

    @Override
    public void sweepReceived() throws IOException {
        Path staging = root.resolve("received");
        if (!Files.isDirectory(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> left = Files.newDirectoryStream(staging)) {
            for (Path entry : left) {
                LOG.warn("Removing a receive cut short path={}", entry);
                if (isSubvolume(entry)) {
                    deleteWithNested(entry);
                } else if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    io.vessel.kernel.internal.linux.FileTrees.delete(entry);
                } else {
                    Files.deleteIfExists(entry);
                }
            }
        }
        if (!isSubvolume(staging)) {
            Files.delete(staging); // a plain directory of an earlier version: made a subvolume again (see staging())
            staging();
        }
    }

    /** A subvolume's root directory is inode 256 on btrfs. */
    private static boolean isSubvolume(Path path) throws IOException {
        return Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && Long.valueOf(256).equals(Files.getAttribute(path, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * The staging area receives write into: a subvolume of its own, so that a receive can be confined to it (see
     * {@link #receive}).
     */
    private Path staging() throws IOException {
        Path staging = root.resolve("received");
        if (!Files.exists(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Btrfs.createSubvolume(root, "received");
            Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } else if (!isSubvolume(staging)) {
            throw new IOException("the staging area " + staging + " is not a subvolume yet: it becomes one at the node's next start");
        }
        return staging;
    }

    /** {@code btrfs send} of a read-only subvolume; what it says on failure goes to the log. */
    private Process send(Path subvolume, Path parent, String what) throws IOException {
        Path log = Files.createTempFile(snapshots, ".send-", ".log");
        List<String> command = new ArrayList<>(List.of(btrfs(), "send", "-q"));
        if (parent != null) {
            command.addAll(List.of("-p", parent.toString())); // only what changed since the parent the receiver holds
        }
        command.add(subvolume.toString());
        Process send = new ProcessBuilder(command).redirectError(log.toFile()).start();
        send.onExit().thenRun(() -> {
            try {
                String errors = Files.readString(log).strip();
                if (send.exitValue() != 0) {
                    LOG.warn("btrfs send of {} failed exit={}: {}", what, send.exitValue(), errors);
                }
                Files.deleteIfExists(log);
            } catch (IOException e) {
                LOG.debug("Send log not read: {}", e.getMessage());
            }
        });
        return send;
    }

    /**
     * The read-only subvolume {@code name} another node's {@code btrfs send} wrote into {@code stream}, in the staging
     * directory; anything an earlier attempt left there is replaced.
     */
    private Path receive(String name, java.io.InputStream stream) throws IOException {
        if (!name.matches("[A-Za-z0-9@._-]{1,100}") || name.startsWith(".")) {
            throw new IOException("not a name to receive: " + name);
        }
        Path staging = staging();
        Path received = staging.resolve(name);
        if (Files.exists(received, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            deleteWithNested(received); // an earlier attempt's
        }
        Path log = Files.createTempFile(staging, ".receive-", ".log");
        try {
            // -e: stop at the stream's end marker; --chroot: whatever paths the stream names, btrfs receive cannot write
            // outside the staging directory (the stream carries the tenant's file names and links). The chroot does not
            // confine what the stream names by UUID, though: its parent and its clone sources are looked up in the
            // whole file system and opened from the mount, so a stream naming another VE's UUID would be made of that
            // VE's files. btrfs receive refuses any not below the subvolume mounted where it receives: so the staging
            // subvolume is bind-mounted onto itself, in a mount namespace of the receive's own that ends with it.
            Process receive = new ProcessBuilder(unshare(), "--mount", "--propagation", "private", "/bin/sh", "-c",
                    "mount --bind \"$1\" \"$1\" && exec \"$2\" receive -e --chroot \"$1\"", "sh", staging.toString(), btrfs())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (java.io.OutputStream in = receive.getOutputStream()) {
                stream.transferTo(in);
            } catch (IOException e) {
                receive.destroyForcibly();
                throw new IOException("the stream broke off: " + e.getMessage(), e);
            }
            try {
                if (!receive.waitFor(10, TimeUnit.MINUTES) || receive.exitValue() != 0) {
                    receive.destroyForcibly();
                    throw new IOException("btrfs receive failed: " + Files.readString(log).strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                receive.destroyForcibly();
                throw new IOException("interrupted while receiving", e);
            }
            if (!Files.isDirectory(received, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("the stream held no tree named " + name);
            }
            return received;
        } catch (IOException e) {
            if (Files.exists(received, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteWithNested(received);
            }
            throw e;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String mkfs() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "mkfs.btrfs"))) {
                return dir + "/mkfs.btrfs";
            }
        }
        throw new IllegalStateException("mkfs.btrfs not found: install btrfs-progs to create the storage pool");
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Deepest tree level btrfs accounts when it drops a subvolume (its maximum: always account). */
    private static final int FULL_DROP_ACCOUNTING = 8;

    /** {@code /sys/fs/btrfs/<fsid>/qgroups}, or null when the kernel does not show it. */
    private Path qgroupSysfs() {
        try {
            Path dir = Path.of("/sys/fs/btrfs", Btrfs.fsid(root).toString(), "qgroups");
            return Files.isDirectory(dir) ? dir : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Deleting a subvolume whose tree is deeper than {@code qgroups/drop_subtree_threshold} (3 by default on recent
     * kernels) skips the quota accounting of its blocks and marks all accounting inconsistent, and an inconsistent
     * file system enforces no VE's quota until a rescan. Destroys, reinstalls and (later) backup snapshots are
     * deleted all the time, so the pool always accounts drops in full: deleting a large VE costs a longer commit
     * (measured in docs/storage.md), every other VE keeps its quota.
     */
    private void keepAccountingWhenDropping() {
        Path sysfs = qgroupSysfs();
        Path threshold = sysfs == null ? null : sysfs.resolve("drop_subtree_threshold");
        if (threshold == null || !Files.exists(threshold)) {
            return; // older kernels always account drops
        }
        try {
            if (Integer.parseInt(Files.readString(threshold).strip()) < FULL_DROP_ACCOUNTING) {
                Files.writeString(threshold, String.valueOf(FULL_DROP_ACCOUNTING));
                LOG.info("Quota accounting of subvolume deletions set to full path={} value={}", threshold, FULL_DROP_ACCOUNTING);
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("Cannot make btrfs account subvolume deletions in full ({}): deleting a large VE may suspend every VE's "
                    + "quota until a rescan", e.getMessage());
        }
    }

    @Override
    public Optional<String> quotaProblem() {
        Path sysfs = qgroupSysfs();
        try {
            if (sysfs == null || !Files.exists(sysfs.resolve("inconsistent"))
                    || Files.readString(sysfs.resolve("inconsistent")).strip().equals("0")) {
                return Optional.empty();
            }
            boolean started = Btrfs.startQuotaRescan(root);
            if (started) {
                LOG.error("Disk quota accounting of the storage pool is inconsistent: VE quotas are not enforced until the rescan "
                        + "now started finishes pool={}", root);
            }
            return Optional.of("disk quota accounting is inconsistent: VE quotas are not enforced until the rescan finishes");
        } catch (IOException e) {
            return Optional.of("disk quota state unreadable: " + e.getMessage());
        }
    }

    /** Unmounts the pool; the loop device detaches by itself. */
    public void unmount() throws IOException {
        Mounts.unmount(root, false);
    }

    @Override
    public String name() {
        return "btrfs";
    }

    /** Looked up once: the pool stays on its device while mounted. */
    private volatile Optional<String> blockDevice;

    @Override
    public Optional<String> blockDevice() {
        Optional<String> known = blockDevice;
        if (known == null) {
            known = findBlockDevice();
            blockDevice = known;
        }
        return known;
    }

    private Optional<String> findBlockDevice() {
        try {
            Optional<Mounts.Mount> mount = Mounts.find(root);
            if (mount.isEmpty() || !mount.get().source().startsWith("/dev/")) {
                return Optional.empty();
            }
            long rdev = (Long) Files.getAttribute(Path.of(mount.get().source()), "unix:rdev");
            long major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
            return Optional.of(major + ":" + minor);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot tell the pool's block device, disk bandwidth caps are not applied: {}", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public Path beginTemplate(String id) throws IOException {
        Path path = templatePath(id);
        if (Files.exists(path)) {
            throw new IOException("template area " + id + " exists already");
        }
        Btrfs.createSubvolume(templates, id);
        return path;
    }

    @Override
    public void sealTemplate(String id) throws IOException {
        Btrfs.setReadOnly(templatePath(id), true);
    }

    @Override
    public boolean templateExists(String id) {
        return Files.isDirectory(templatePath(id));
    }

    @Override
    public boolean templateSealed(String id) throws IOException {
        return templateExists(id) && Btrfs.isReadOnly(templatePath(id));
    }

    @Override
    public Path templatePath(String id) {
        return templates.resolve(id);
    }

    @Override
    public void deleteTemplate(String id) throws IOException {
        Path path = templatePath(id);
        if (!Files.exists(path)) {
            return;
        }
        detachMountsBelow(path);
        long subvolume = Btrfs.subvolumeId(path);
        if (Btrfs.isReadOnly(path)) {
            Btrfs.setReadOnly(path, false);
        }
        Btrfs.deleteSubvolume(templates, id);
        dropQgroup(subvolume);
    }

    @Override
    public long templateSize(String id) throws IOException {
        Btrfs.sync(root);
        return Btrfs.usage(root, Btrfs.subvolumeId(templatePath(id))).referenced();
    }

    @Override
    public List<String> templateAreas() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(templates)) {
            for (Path p : dir) {
                ids.add(p.getFileName().toString());
            }
        }
        ids.sort(null);
        return ids;
    }

    @Override
    public Path createPrivateArea(int veId, String templateId) throws IOException {
        if (!templateExists(templateId)) {
            throw new IOException("template " + templateId + " is not in the pool");
        }
        Btrfs.snapshot(templatePath(templateId), ves, String.valueOf(veId), false);
        return privateArea(veId);
    }

    @Override
    public void flush() throws IOException {
        Btrfs.sync(root);
    }

    @Override
    public Path snapshotPrivateArea(int veId, String name) throws IOException {
        if (!name.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IOException("not a snapshot name: " + name);
        }
        Btrfs.snapshot(privateArea(veId), snapshots, name, true);
        return snapshots.resolve(name);
    }

    /**
     * Each subvolume is opened below the private area by the kernel ({@code openat2} with {@code RESOLVE_BENEATH |
     * RESOLVE_NO_SYMLINKS}) and must be the subvolume listed (same id) before it is snapshotted through that very
     * descriptor: a tenant whose VE did not freeze could otherwise swap a directory of the path for a link between
     * the listing and the snapshot and have another VE's files snapshotted into its own backup.
     */
    @Override
    public List<NestedSnapshot> snapshotNested(int veId, String name) throws IOException {
        if (!name.matches("[A-Za-z0-9-]{1,48}")) {
            throw new IOException("not a snapshot name: " + name);
        }
        List<Btrfs.ChildSubvolume> nested = new ArrayList<>();
        collectNested(privateArea(veId), "", nested);
        List<NestedSnapshot> taken = new ArrayList<>();
        try {
            for (int i = 0; i < nested.size(); i++) {
                Btrfs.ChildSubvolume child = nested.get(i);
                String snapshotName = nestedSnapshotName(name, i + 1);
                try (io.vessel.kernel.internal.linux.Fd fd = Btrfs.openBeneath(privateArea(veId), child.path())) {
                    Path pinned = Path.of("/proc/self/fd/" + fd.value());
                    if (Btrfs.subvolumeId(pinned) != child.id()) {
                        throw new IOException("the subvolume at /" + child.path() + " changed while it was being snapshotted");
                    }
                    Btrfs.snapshot(pinned, snapshots, snapshotName, true);
                }
                taken.add(new NestedSnapshot(child.path(), snapshots.resolve(snapshotName)));
            }
        } catch (IOException | RuntimeException e) {
            for (NestedSnapshot done : taken) {
                deleteWithNested(done.snapshot());
            }
            throw e;
        }
        return taken;
    }

    private static String nestedSnapshotName(String name, int index) {
        return name + "-n" + index;
    }

    private static void collectNested(Path subvolume, String prefix, List<Btrfs.ChildSubvolume> into) throws IOException {
        for (Btrfs.ChildSubvolume child : Btrfs.childSubvolumes(subvolume)) {
            String path = prefix + child.path();
            into.add(new Btrfs.ChildSubvolume(child.id(), path));
            collectNested(subvolume.resolve(child.path()), path + "/", into);
        }
    }

    @Override
    public void deleteSnapshot(String name) throws IOException {
        deleteNamed(snapshots, name);
        for (int i = 1; Files.exists(snapshots.resolve(nestedSnapshotName(name, i))); i++) {
            deleteNamed(snapshots, nestedSnapshotName(name, i));
        }
    }

    @Override
    public List<String> snapshots() throws IOException {
        return names(snapshots);
    }

    /** Deletes the subvolume {@code name} (a name, never a path) in {@code dir}; nothing when it is gone. */
    private void deleteNamed(Path dir, String name) throws IOException {
        Path path = dir.resolve(name);
        if (name.matches("[A-Za-z0-9-]{1,64}") && Files.exists(path)) {
            deleteWithNested(path);
        }
    }

    /** The names in {@code dir}, sorted. */
    private static List<String> names(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }

    @Override
    public Path beginRestore(int veId, String name, long quotaBytes) throws IOException {
        if (!name.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IOException("not a restore name: " + name);
        }
        Btrfs.createSubvolume(restores, name);
        Path area = restores.resolve(name);
        if (quotaBytes > 0) {
            Btrfs.limitReferenced(area, quotaBytes);
        }
        return area;
    }

    @Override
    public void deleteRestore(String name) throws IOException {
        deleteNamed(restores, name);
    }

    @Override
    public List<String> restores() throws IOException {
        return names(restores);
    }

    /**
     * Two renames, each atomic: the old area aside as {@code <id>.old}, the restored tree in its place; then the old
     * one deleted. A crash between them is settled by {@link #settleSwaps}: with the new area in place the old goes,
     * without it the old comes back — the VE is either wholly old or wholly new.
     */
    @Override
    public void swapInRestore(int veId, String name) throws IOException {
        Path area = privateArea(veId);
        if (!Files.exists(area)) {
            // a VE whose files were lost with their disk (the panel restored from its own backup): nothing to replace
            Files.move(restores.resolve(name), area, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = ves.resolve(veId + ".old");
        Files.move(area, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.move(restores.resolve(name), area, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        deleteWithNested(old);
    }

    @Override
    public void settleSwaps() throws IOException {
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(ves, "*.old")) {
            for (Path old : dir) {
                Path area = ves.resolve(old.getFileName().toString().replace(".old", ""));
                if (Files.exists(area)) {
                    LOG.warn("A restore was swapped in when the panel stopped; deleting the old area {}", old);
                    deleteWithNested(old);
                } else {
                    LOG.warn("A restore was being swapped in when the panel stopped; the old area comes back {}", area);
                    Files.move(old, area, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
    }

    @Override
    public Path privateArea(int veId) {
        return ves.resolve(String.valueOf(veId));
    }

    @Override
    public boolean privateAreaExists(int veId) {
        return Files.isDirectory(privateArea(veId));
    }

    @Override
    public void deletePrivateArea(int veId) throws IOException {
        Path path = privateArea(veId);
        if (!Files.exists(path)) {
            return;
        }
        deleteWithNested(path);
    }

    /**
     * Deletes a subvolume and every subvolume below it, deepest first, so a VE can always be destroyed whatever its
     * tenant made inside it (VEs are refused the ioctls that create subvolumes, but older VEs or a privileged one
     * may hold some). Read-only snapshots are made writable first; each quota group goes with its subvolume.
     */
    /**
     * A mount below a subvolume makes its deletion fail with EBUSY, however it got there (a build that left
     * {@code /proc} mounted, a crash between mounting and unmounting): it is detached first.
     */
    private static void detachMountsBelow(Path subvolume) throws IOException {
        for (Path mount : io.vessel.kernel.internal.linux.Mounts.detachBelow(subvolume)) {
            LOG.warn("Detached a mount left below a subvolume being deleted mount={}", mount);
        }
    }

    @Override
    public List<String> nestedSubvolumes(int veId) throws IOException {
        List<Btrfs.ChildSubvolume> nested = new ArrayList<>();
        if (privateAreaExists(veId)) {
            collectNested(privateArea(veId), "", nested);
        }
        return nested.stream().map(Btrfs.ChildSubvolume::path).toList();
    }


    private void deleteWithNested(Path subvolume) throws IOException {
        detachMountsBelow(subvolume);
        for (Btrfs.ChildSubvolume child : Btrfs.childSubvolumes(subvolume)) {
            Path nested = subvolume.resolve(child.path());
            LOG.info("Deleting a subvolume made inside a VE path={}", nested);
            deleteWithNested(nested);
        }
        long id = Btrfs.subvolumeId(subvolume);
        if (Btrfs.isReadOnly(subvolume)) {
            Btrfs.setReadOnly(subvolume, false);
        }
        Btrfs.deleteSubvolume(subvolume.getParent(), subvolume.getFileName().toString());
        dropQgroup(id);
    }

    /** Removes the empty quota groups that deleted subvolumes left behind (see {@link #dropQgroup}). */
    int sweepQgroups() {
        int removed = 0;
        try {
            for (Btrfs.Qgroup group : Btrfs.qgroups(root)) {
                if (group.subvolumeId() >= 256 && group.referenced() == 0 && group.exclusive() == 0
                        && !Btrfs.subvolumeExists(root, group.subvolumeId())) {
                    Btrfs.destroyQgroup(root, group.subvolumeId());
                    removed++;
                }
            }
        } catch (IOException e) {
            LOG.debug("Quota groups not swept: {}", e.getMessage());
        }
        if (removed > 0) {
            LOG.info("Removed quota groups of deleted subvolumes count={}", removed);
        }
        return removed;
    }

    /**
     * Removes the quota group of a deleted subvolume once the kernel has freed its blocks. Removing it while it
     * still counts bytes makes the kernel mark all quota accounting inconsistent — and stop enforcing every VE's
     * disk quota until a rescan — so a group that is not empty yet is left; an empty leftover costs nothing.
     */
    private void dropQgroup(long subvolume) {
        try {
            Btrfs.sync(root);
            Btrfs.QgroupUsage usage = Btrfs.usage(root, subvolume);
            if (usage.referenced() == 0 && usage.exclusive() == 0) {
                Btrfs.destroyQgroup(root, subvolume);
            } else {
                LOG.debug("Quota group 0/{} kept until the kernel frees its blocks referenced={}", subvolume, usage.referenced());
            }
            sweepQgroups(); // those of earlier deletions that are empty by now
        } catch (IOException e) {
            LOG.debug("Quota group 0/{} stays for now: {}", subvolume, e.getMessage());
        }
    }

    @Override
    public void setDiskQuota(int veId, long bytes) throws IOException {
        Btrfs.limitReferenced(privateArea(veId), bytes);
    }

    @Override
    public DiskUsage diskUsage(int veId) throws IOException {
        return diskUsage(veId, true);
    }

    @Override
    public DiskUsage diskUsage(int veId, boolean exact) throws IOException {
        Path path = privateArea(veId);
        if (exact) {
            Btrfs.sync(root);
        }
        Btrfs.QgroupUsage usage = Btrfs.usage(root, Btrfs.subvolumeId(path));
        return new DiskUsage(usage.referenced(), usage.exclusive());
    }

    @Override
    public java.util.OptionalLong inodes(int veId) throws IOException {
        return java.util.OptionalLong.of(Btrfs.countInodes(privateArea(veId)));
    }

    @Override
    public java.util.Optional<Path> quotaFiles(int veId) throws IOException {
        Path sysfs = qgroupSysfs();
        if (sysfs == null) {
            return java.util.Optional.empty();
        }
        Path group = sysfs.resolve("0_" + Btrfs.subvolumeId(privateArea(veId)));
        return Files.isDirectory(group) ? java.util.Optional.of(group) : java.util.Optional.empty();
    }

    @Override
    public List<Integer> privateAreas() throws IOException {
        List<Integer> ids = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(ves)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.matches("\\d{1,9}")) {
                    ids.add(Integer.parseInt(name));
                }
            }
        }
        ids.sort(null);
        return ids;
    }
}
