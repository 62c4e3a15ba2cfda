package io.vessel.kernel.internal.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where templates and VE private areas live, and how disk quotas are enforced. The working driver is btrfs
 * ({@link BtrfsPool}); overlay-on-XFS with project quotas or per-VE loop images would implement the same contract.
 */
public interface StorageDriver {

    /** Bytes a VE's private area uses: everything it references, and what only it holds. */
    record DiskUsage(long referencedBytes, long exclusiveBytes) {
    }

    String name();

    /**
     * The block device holding the VEs' files as {@code major:minor}, for disk bandwidth caps; empty when the
     * pool is not on one block device.
     */
    java.util.Optional<String> blockDevice();

    Path root();

    /** An empty writable area to build template {@code id} in; {@link #sealTemplate} makes it immutable. */
    Path beginTemplate(String id) throws IOException;

    void sealTemplate(String id) throws IOException;

    boolean templateExists(String id);

    /** Whether the template was finished and made immutable (false: a build that was interrupted). */
    boolean templateSealed(String id) throws IOException;

    Path templatePath(String id);

    void deleteTemplate(String id) throws IOException;

    /** Bytes the template's files take. */
    long templateSize(String id) throws IOException;

    /** Ids of all template areas present, for reconciling with the database. */
    List<String> templateAreas() throws IOException;

    /** A writable copy-on-write copy of the template as VE {@code veId}'s root file system. */
    Path createPrivateArea(int veId, String templateId) throws IOException;

    Path privateArea(int veId);

    boolean privateAreaExists(int veId);

    void deletePrivateArea(int veId) throws IOException;

    /**
     * Subvolumes made inside VE {@code veId}'s private area (by a privileged VE, say), as paths relative to it, each
     * before those inside it. A snapshot of the area holds each as an empty directory: what reads a snapshot (a move,
     * a backup) would leave their files out.
     */
    default List<String> nestedSubvolumes(int veId) throws IOException {
        return List.of();
    }

    /** Hard limit on the bytes the VE's file system may hold; 0 removes the limit. */
    void setDiskQuota(int veId, long bytes) throws IOException;

    DiskUsage diskUsage(int veId) throws IOException;

    /**
     * As {@link #diskUsage(int)}; {@code exact = false} skips flushing pending writes first (btrfs updates its
     * accounting at each transaction commit, within 30 s), which is what periodic sampling wants.
     */
    DiskUsage diskUsage(int veId, boolean exact) throws IOException;

    /** Files, directories and links in a VE's file system, where the driver can count them without walking it. */
    java.util.OptionalLong inodes(int veId) throws IOException;

    /**
     * Where the kernel shows VE {@code veId}'s quota and usage as files ({@code max_referenced} and {@code referenced}
     * in btrfs's sysfs quota group), for the helper that gives the VE's {@code df} its quota; empty where the driver has none.
     */
    default java.util.Optional<Path> quotaFiles(int veId) throws IOException {
        return java.util.Optional.empty();
    }

    /** Ids of all private areas present, for reconciling with the database. */
    List<Integer> privateAreas() throws IOException;

    /** Writes out what the pool's file system caches, so that a snapshot taken next commits quickly. */
    default void flush() throws IOException {
    }

    /**
     * A read-only snapshot of a VE's private area named {@code name} (atomic: the file system as of one instant).
     * Drivers that cannot snapshot refuse.
     */
    default Path snapshotPrivateArea(int veId, String name) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot snapshot a VE");
    }

    /** A read-only snapshot of a subvolume made inside a VE: where it lies in the VE, and the snapshot. */
    record NestedSnapshot(String pathInVe, Path snapshot) {
    }

    /**
     * Read-only snapshots of the subvolumes made inside VE {@code veId} ({@link #nestedSubvolumes}), taken right after
     * {@link #snapshotPrivateArea} of the same {@code name} (in the same frozen instant), parents first: the area's
     * snapshot holds each as an empty directory, which these fill for what reads it (a backup). Deleted with it by
     * {@link #deleteSnapshot}. None for drivers without subvolumes.
     */
    default List<NestedSnapshot> snapshotNested(int veId, String name) throws IOException {
        return List.of();
    }

    /** Deletes a snapshot made by {@link #snapshotPrivateArea} (and its {@link #snapshotNested}); nothing when it is gone. */
    default void deleteSnapshot(String name) throws IOException {
    }

    /** The snapshots present (left by a crash, when the panel starts). */
    default List<String> snapshots() throws IOException {
        return List.of();
    }

    /**
     * An empty area named {@code name} for a restore of VE {@code veId} to write, limited to {@code quotaBytes}
     * (0: unlimited), not visible to the VE until {@link #swapInRestore}.
     */
    default Path beginRestore(int veId, String name, long quotaBytes) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot restore a VE");
    }

    /** Deletes an area {@link #beginRestore} made; nothing when it is gone. */
    default void deleteRestore(String name) throws IOException {
    }

    /** The restore areas present (left by a crash, when the panel starts). */
    default List<String> restores() throws IOException {
        return List.of();
    }

    /** Makes the restored area VE {@code veId}'s private area and deletes the one it replaces (VE stopped). */
    default void swapInRestore(int veId, String name) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot restore a VE");
    }

    /** After a crash: finishes or undoes a swap the stop interrupted, so each VE has its old or its new area whole. */
    default void settleSwaps() throws IOException {
    }

    /**
     * A running send of snapshot {@code name} ({@link #snapshotPrivateArea}): its standard output is the tree as a
     * stream another node's {@link #receivePrivateArea} makes a private area of — whole, or with {@code parent} (an
     * earlier snapshot of the same VE that node received) only what changed since.
     */
    default Process sendSnapshot(String name, String parent) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot send a VE to another node");
    }

    /**
     * A VE's template as the base of the first pass of its move ({@link #snapshotTemplateBase}): the {@code origin}
     * its template's copies share (the UUID of the template as the node that made it sent it), and the base's own
     * UUID and transid, by which the send names it.
     */
    record TemplateBase(java.util.UUID origin, java.util.UUID uuid, long ctransid) {
    }

    /**
     * A read-only snapshot {@code name} of sealed template {@code templateId}, to be sent relative to: a VE's first
     * pass with it as parent carries only what the VE changed, when the receiver holds the same template
     * ({@link #prepareTemplateBase}). Deleted as snapshots are ({@link #deleteSnapshot}).
     */
    default TemplateBase snapshotTemplateBase(String templateId, String name) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot send a VE relative to its template");
    }

    /**
     * The receiver's side of {@link #snapshotTemplateBase}: its own copy of template {@code templateId}, when made
     * from the same origin, put where the receive of snapshot {@code name} finds it as the stream's parent. Why not,
     * if not (no such template here, or one made apart): then the sender sends the VE whole.
     */
    default java.util.Optional<String> prepareTemplateBase(String templateId, TemplateBase base, String name) throws IOException {
        return java.util.Optional.of("the storage driver " + name() + " cannot receive a VE relative to its template");
    }

    /**
     * A stream another node's {@link #sendSnapshot} of snapshot {@code name} wrote: kept as it is for a later
     * stream that names it as parent ({@code last} false), or made VE {@code veId}'s private area ({@code last}
     * true; then {@code parent}, if any, is removed too).
     */
    default void receivePrivateArea(int veId, String name, String parent, boolean last, java.io.InputStream stream) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot receive a VE from another node");
    }

    /** A running send of sealed template {@code id}, as {@link #sendSnapshot} (another node holds no copy yet). */
    default Process sendTemplate(String id) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot send a template to another node");
    }

    /** Template {@code id} from a stream another node's {@link #sendTemplate} wrote: sealed, as if made here. */
    default void receiveTemplate(String id, java.io.InputStream stream) throws IOException {
        throw new IOException("the storage driver " + name() + " cannot receive a template from another node");
    }

    /** At start: removes what receives cut short by a crash left in the staging area. */
    default void sweepReceived() throws IOException {
    }

    /**
     * Why disk quotas are not enforced right now, if they are not (e.g. btrfs quota accounting marked inconsistent);
     * a driver that can repair it starts the repair. Empty: every VE's quota holds.
     */
    default java.util.Optional<String> quotaProblem() {
        return java.util.Optional.empty();
    }
}
