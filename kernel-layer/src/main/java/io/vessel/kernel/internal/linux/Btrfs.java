package io.vessel.kernel.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Btrfs subvolumes, snapshots and quota groups through the kernel's ioctl interface (linux/btrfs.h), so the
 * panel needs no {@code btrfs} binary at run time. Struct layouts are written field by field at their offsets.
 */
public final class Btrfs {

    private static final int MAGIC = 0x94;
    private static final int VOL_ARGS_SIZE = 4096;            // struct btrfs_ioctl_vol_args
    private static final int VOL_ARGS_NAME_MAX = 4087;
    private static final int VOL_ARGS_V2_SIZE = 4096;         // struct btrfs_ioctl_vol_args_v2
    private static final int VOL_ARGS_V2_NAME_OFFSET = 56;
    private static final int SUBVOL_NAME_MAX = 4039;
    private static final int INO_LOOKUP_SIZE = 4096;          // struct btrfs_ioctl_ino_lookup_args
    private static final int SEARCH_ARGS_SIZE = 4096;         // struct btrfs_ioctl_search_args
    private static final int SEARCH_KEY_SIZE = 104;

    private static final long SUBVOL_CREATE = Ioctl.iow(MAGIC, 14, VOL_ARGS_SIZE);
    private static final long SNAP_DESTROY = Ioctl.iow(MAGIC, 15, VOL_ARGS_SIZE);
    private static final long TREE_SEARCH = Ioctl.iowr(MAGIC, 17, SEARCH_ARGS_SIZE);
    private static final long INO_LOOKUP = Ioctl.iowr(MAGIC, 18, INO_LOOKUP_SIZE);
    private static final long SNAP_CREATE_V2 = Ioctl.iow(MAGIC, 23, VOL_ARGS_V2_SIZE);
    private static final long SUBVOL_GETFLAGS = Ioctl.ior(MAGIC, 25, 8);
    private static final long SUBVOL_SETFLAGS = Ioctl.iow(MAGIC, 26, 8);
    private static final long QUOTA_CTL = Ioctl.iowr(MAGIC, 40, 16);
    private static final long QGROUP_CREATE = Ioctl.iow(MAGIC, 42, 16);
    private static final long QGROUP_LIMIT = Ioctl.ior(MAGIC, 43, 48);
    private static final long SYNC = Ioctl.io(MAGIC, 8);
    private static final long QUOTA_RESCAN_WAIT = Ioctl.io(MAGIC, 46);
    private static final long QUOTA_RESCAN = Ioctl.iow(MAGIC, 44, 64);
    private static final long FS_INFO = Ioctl.ior(MAGIC, 31, 1024);
    private static final int RECEIVED_SUBVOL_ARGS_SIZE = 200;  // struct btrfs_ioctl_received_subvol_args
    private static final long SET_RECEIVED_SUBVOL = Ioctl.iowr(MAGIC, 37, RECEIVED_SUBVOL_ARGS_SIZE);
    private static final int SUBVOL_INFO_SIZE = 504;           // struct btrfs_ioctl_get_subvol_info_args
    private static final long GET_SUBVOL_INFO = Ioctl.ior(MAGIC, 60, SUBVOL_INFO_SIZE);

    private static final long SUBVOL_RDONLY = 1L << 1;
    private static final long QUOTA_CTL_ENABLE = 1;
    private static final long QGROUP_LIMIT_MAX_RFER = 1;
    private static final long FIRST_FREE_OBJECTID = 256;
    private static final long QUOTA_TREE_OBJECTID = 8;
    private static final int QGROUP_INFO_KEY = 242;
    private static final int INODE_ITEM_KEY = 1;
    private static final int ROOT_ITEM_KEY = 132;
    private static final int ROOT_REF_KEY = 156;
    private static final long ROOT_TREE_OBJECTID = 1;

    /**
     * Who a subvolume is to {@code btrfs send} and {@code receive}: its own UUID, the UUID of the subvolume it was
     * received as (null when it was made here), and its change transid. A send names its parent by the received UUID
     * when there is one, else by the UUID, and the receiver looks the parent up by received UUID first.
     */
    public record SubvolumeInfo(java.util.UUID uuid, java.util.UUID receivedUuid, long ctransid) {

        /** The UUID a {@code btrfs send -p} of this subvolume names it by. */
        public java.util.UUID sentAs() {
            return receivedUuid != null ? receivedUuid : uuid;
        }
    }

    /** Bytes a subvolume's quota group accounts for. */
    public record QgroupUsage(long referenced, long exclusive) {
    }

    private Btrfs() {
    }

    public static void createSubvolume(Path parent, String name) throws IOException {
        checkName(name, VOL_ARGS_NAME_MAX);
        try (Fd dir = Fd.directory(parent); Memory args = new Memory(VOL_ARGS_SIZE)) {
            args.clear();
            args.setString(8, name, StandardCharsets.UTF_8.name());
            ioctl(dir, SUBVOL_CREATE, args, "create subvolume " + parent.resolve(name));
        }
    }

    /** Instant copy-on-write snapshot of {@code source} as {@code parent/name}. */
    public static void snapshot(Path source, Path parent, String name, boolean readOnly) throws IOException {
        checkName(name, SUBVOL_NAME_MAX);
        try (Fd src = Fd.directory(source); Fd dir = Fd.directory(parent); Memory args = new Memory(VOL_ARGS_V2_SIZE)) {
            args.clear();
            args.setLong(0, src.value());
            args.setLong(16, readOnly ? SUBVOL_RDONLY : 0);
            args.setString(VOL_ARGS_V2_NAME_OFFSET, name, StandardCharsets.UTF_8.name());
            ioctl(dir, SNAP_CREATE_V2, args, "snapshot " + source + " as " + parent.resolve(name));
        }
    }

    /** Deletes subvolume {@code parent/name} (it must contain no nested subvolumes). */
    public static void deleteSubvolume(Path parent, String name) throws IOException {
        checkName(name, VOL_ARGS_NAME_MAX);
        try (Fd dir = Fd.directory(parent); Memory args = new Memory(VOL_ARGS_SIZE)) {
            args.clear();
            args.setString(8, name, StandardCharsets.UTF_8.name());
            ioctl(dir, SNAP_DESTROY, args, "delete subvolume " + parent.resolve(name));
        }
    }

    public static void setReadOnly(Path subvolume, boolean readOnly) throws IOException {
        try (Fd fd = Fd.directory(subvolume); Memory flags = new Memory(8)) {
            ioctl(fd, SUBVOL_GETFLAGS, flags, "read flags of " + subvolume);
            long value = flags.getLong(0);
            flags.setLong(0, readOnly ? value | SUBVOL_RDONLY : value & ~SUBVOL_RDONLY);
            ioctl(fd, SUBVOL_SETFLAGS, flags, "set flags of " + subvolume);
        }
    }

    public static boolean isReadOnly(Path subvolume) throws IOException {
        try (Fd fd = Fd.directory(subvolume); Memory flags = new Memory(8)) {
            ioctl(fd, SUBVOL_GETFLAGS, flags, "read flags of " + subvolume);
            return (flags.getLong(0) & SUBVOL_RDONLY) != 0;
        }
    }

    /** The identity of subvolume {@code subvolume} as send and receive see it (BTRFS_IOC_GET_SUBVOL_INFO). */
    public static SubvolumeInfo info(Path subvolume) throws IOException {
        try (Fd fd = Fd.directory(subvolume); Memory args = new Memory(SUBVOL_INFO_SIZE)) {
            args.clear();
            ioctl(fd, GET_SUBVOL_INFO, args, "read the identity of " + subvolume);
            java.util.UUID received = uuid(args, 328);
            return new SubvolumeInfo(uuid(args, 296), received.getMostSignificantBits() == 0 && received.getLeastSignificantBits() == 0
                    ? null : received, args.getLong(344));
        }
    }

    /**
     * Marks writable subvolume {@code subvolume} as received as {@code uuid} at transid {@code stransid}, as
     * {@code btrfs receive} marks what it received (BTRFS_IOC_SET_RECEIVED_SUBVOL; the kernel refuses a read-only
     * subvolume): a later incremental stream whose parent is named so is applied on top of it.
     */
    public static void markReceived(Path subvolume, java.util.UUID uuid, long stransid) throws IOException {
        try (Fd fd = Fd.directory(subvolume); Memory args = new Memory(RECEIVED_SUBVOL_ARGS_SIZE)) {
            args.clear();
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits());
            args.write(0, bytes.array(), 0, 16);
            args.setLong(16, stransid);
            ioctl(fd, SET_RECEIVED_SUBVOL, args, "mark " + subvolume + " as received");
        }
    }

    /** A UUID as btrfs stores it: 16 bytes, most significant first (as libuuid prints them). */
    private static java.util.UUID uuid(Memory args, long offset) {
        java.nio.ByteBuffer bytes = args.getByteBuffer(offset, 16).order(java.nio.ByteOrder.BIG_ENDIAN);
        return new java.util.UUID(bytes.getLong(), bytes.getLong());
    }

    /** The subvolume (tree) id of the subvolume containing {@code path}. */
    public static long subvolumeId(Path path) throws IOException {
        try (Fd fd = Fd.directory(path); Memory args = new Memory(INO_LOOKUP_SIZE)) {
            args.clear();
            args.setLong(8, FIRST_FREE_OBJECTID);
            ioctl(fd, INO_LOOKUP, args, "look up subvolume of " + path);
            return args.getLong(0);
        }
    }

    public static void enableQuota(Path mount) throws IOException {
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(16)) {
            args.clear();
            args.setLong(0, QUOTA_CTL_ENABLE);
            ioctl(fd, QUOTA_CTL, args, "enable quota on " + mount);
        }
        try (Fd fd = Fd.directory(mount)) {
            LibC.INSTANCE.ioctl(fd.value(), QUOTA_RESCAN_WAIT, 0L);
        } catch (LastErrorException ignored) {
            // no rescan running: nothing to wait for
        }
    }

    /** Limits the bytes the subvolume may reference; {@code bytes <= 0} removes the limit. */
    public static void limitReferenced(Path subvolume, long bytes) throws IOException {
        try (Fd fd = Fd.directory(subvolume); Memory args = new Memory(48)) {
            args.clear();
            args.setLong(0, 0); // 0: the qgroup of the subvolume the descriptor is in
            args.setLong(8, QGROUP_LIMIT_MAX_RFER);
            args.setLong(16, bytes > 0 ? bytes : -1L);
            ioctl(fd, QGROUP_LIMIT, args, "limit quota group of " + subvolume);
        }
    }

    /** Removes the quota group 0/id left behind by a deleted subvolume. */
    public static void destroyQgroup(Path mount, long subvolumeId) throws IOException {
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(16)) {
            args.clear();
            args.setLong(0, 0); // create = 0: destroy
            args.setLong(8, subvolumeId);
            ioctl(fd, QGROUP_CREATE, args, "destroy quota group 0/" + subvolumeId);
        }
    }

    /** The file system's UUID, which names its directory under {@code /sys/fs/btrfs}. */
    public static java.util.UUID fsid(Path mount) throws IOException {
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(1024)) {
            args.clear();
            ioctl(fd, FS_INFO, args, "read file system info of " + mount);
            java.nio.ByteBuffer id = java.nio.ByteBuffer.wrap(args.getByteArray(16, 16)); // after max_id and num_devices
            return new java.util.UUID(id.getLong(), id.getLong());
        }
    }

    /** Starts a rescan of the quota groups in the background; false when one is running already. */
    public static boolean startQuotaRescan(Path mount) throws IOException {
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(64)) {
            args.clear();
            LibC.INSTANCE.ioctl(fd.value(), QUOTA_RESCAN, args);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 115) { // EINPROGRESS
                return false;
            }
            throw Fd.error("rescan quota groups of " + mount, e);
        }
    }

    /** Commits the current transaction, so quota group figures include recent writes. */
    public static void sync(Path mount) throws IOException {
        try (Fd fd = Fd.directory(mount)) {
            LibC.INSTANCE.ioctl(fd.value(), SYNC, 0L);
        } catch (LastErrorException e) {
            throw Fd.error("sync " + mount, e);
        }
    }

    /** Referenced and exclusive bytes of quota group 0/id, read from the quota tree. */
    public static QgroupUsage usage(Path mount, long subvolumeId) throws IOException {
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(SEARCH_ARGS_SIZE)) {
            searchKey(args, QUOTA_TREE_OBJECTID, 0, 0, subvolumeId, subvolumeId, QGROUP_INFO_KEY, 1);
            ioctl(fd, TREE_SEARCH, args, "read quota group 0/" + subvolumeId);
            if (args.getInt(64) < 1) {
                throw new IOException("no quota group 0/" + subvolumeId + " on " + mount + " (quota not enabled?)");
            }
            long item = SEARCH_KEY_SIZE + 32; // after the search key and one btrfs_ioctl_search_header
            return new QgroupUsage(args.getLong(item + 8), args.getLong(item + 24));
        }
    }

    /**
     * Files, directories and links in a subvolume: its inode items, counted through tree searches (no walking of
     * directories). A few ioctls per thousand files.
     */
    public static long countInodes(Path subvolume) throws IOException {
        long tree = subvolumeId(subvolume);
        long count = 0;
        long next = FIRST_FREE_OBJECTID;
        try (Fd fd = Fd.directory(subvolume); Memory args = new Memory(SEARCH_ARGS_SIZE)) {
            while (true) {
                searchKey(args, tree, next, -1L, 0, -1L, INODE_ITEM_KEY, 4096);
                ioctl(fd, TREE_SEARCH, args, "count the files of " + subvolume);
                int items = args.getInt(64);
                if (items == 0) {
                    return count;
                }
                long at = SEARCH_KEY_SIZE;
                long lastObject = next;
                for (int i = 0; i < items; i++) {
                    long objectid = args.getLong(at + 8);
                    int type = args.getInt(at + 24);
                    int length = args.getInt(at + 28);
                    if (type == INODE_ITEM_KEY) {
                        count++;
                    }
                    lastObject = objectid;
                    at += 32 + length;
                }
                if (lastObject == -1L) {
                    return count;
                }
                next = lastObject + 1;
            }
        }
    }

    /** A level-0 quota group (one per subvolume, past or present) and what it counts. */
    public record Qgroup(long subvolumeId, long referenced, long exclusive) {
    }

    /** Every level-0 quota group of the file system at {@code mount}. */
    public static java.util.List<Qgroup> qgroups(Path mount) throws IOException {
        java.util.List<Qgroup> groups = new java.util.ArrayList<>();
        long nextOffset = 0;
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(SEARCH_ARGS_SIZE)) {
            while (true) {
                // level 0 only: a quota group's level is in the top 16 bits of its id
                searchKey(args, QUOTA_TREE_OBJECTID, 0, 0, nextOffset, (1L << 48) - 1, QGROUP_INFO_KEY, 512);
                ioctl(fd, TREE_SEARCH, args, "list quota groups");
                int items = args.getInt(64);
                if (items == 0) {
                    return groups;
                }
                long at = SEARCH_KEY_SIZE;
                long lastOffset = nextOffset;
                for (int i = 0; i < items; i++) {
                    long offset = args.getLong(at + 16);
                    int type = args.getInt(at + 24);
                    int length = args.getInt(at + 28);
                    if (type == QGROUP_INFO_KEY) {
                        groups.add(new Qgroup(offset, args.getLong(at + 32 + 8), args.getLong(at + 32 + 24)));
                    }
                    lastOffset = offset;
                    at += 32 + length;
                }
                nextOffset = lastOffset + 1;
            }
        }
    }

    /** Whether subvolume {@code id} still exists (its root item is in the root tree). */
    public static boolean subvolumeExists(Path mount, long id) throws IOException {
        try (Fd fd = Fd.directory(mount); Memory args = new Memory(SEARCH_ARGS_SIZE)) {
            searchKey(args, ROOT_TREE_OBJECTID, id, id, 0, -1L, ROOT_ITEM_KEY, 1);
            ioctl(fd, TREE_SEARCH, args, "look up subvolume " + id);
            return args.getInt(64) > 0;
        }
    }

    /**
     * Opens directory {@code relative} below {@code root} as {@code O_PATH}, resolved by the kernel without following
     * any symbolic link and without leaving {@code root} ({@code openat2} with {@code RESOLVE_BENEATH |
     * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS}): for paths in a tenant's tree, which may change at any moment.
     */
    public static Fd openBeneath(Path root, String relative) throws IOException {
        try (Fd dir = Fd.directory(root)) {
            return Fd.openat2(dir, relative, LibC.O_PATH | LibC.O_DIRECTORY, LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_NO_MAGICLINKS);
        } catch (com.sun.jna.LastErrorException e) {
            throw new IOException("open " + root.resolve(relative) + " (no links followed): errno " + e.getErrorCode(), e);
        }
    }

    /** A subvolume directly below another: its id and its path relative to the parent subvolume's root. */
    public record ChildSubvolume(long id, String path) {
    }

    /**
     * The subvolumes whose directory entry lies in subvolume {@code parent} (one level), found in the root tree's
     * ROOT_REF items, not by walking directories; the path comes from an inode lookup, so it has no links in it.
     */
    public static java.util.List<ChildSubvolume> childSubvolumes(Path parent) throws IOException {
        long parentId = subvolumeId(parent);
        java.util.List<long[]> refs = new java.util.ArrayList<>();
        java.util.List<String> names = new java.util.ArrayList<>();
        long nextOffset = 0;
        try (Fd fd = Fd.directory(parent); Memory args = new Memory(SEARCH_ARGS_SIZE)) {
            while (true) {
                searchKey(args, ROOT_TREE_OBJECTID, parentId, parentId, nextOffset, -1L, ROOT_REF_KEY, 256);
                ioctl(fd, TREE_SEARCH, args, "list subvolumes below " + parent);
                int items = args.getInt(64);
                if (items == 0) {
                    break;
                }
                long at = SEARCH_KEY_SIZE;
                long lastOffset = nextOffset;
                for (int i = 0; i < items; i++) {
                    long offset = args.getLong(at + 16);
                    int type = args.getInt(at + 24);
                    int length = args.getInt(at + 28);
                    if (type == ROOT_REF_KEY) {
                        long item = at + 32; // struct btrfs_root_ref { dirid, sequence, name_len } then the name
                        int nameLength = args.getShort(item + 16) & 0xffff;
                        refs.add(new long[] {offset, args.getLong(item)});
                        names.add(new String(args.getByteArray(item + 18, nameLength), StandardCharsets.UTF_8));
                    }
                    lastOffset = offset;
                    at += 32 + length;
                }
                if (lastOffset == -1L) {
                    break;
                }
                nextOffset = lastOffset + 1;
            }
            java.util.List<ChildSubvolume> children = new java.util.ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                children.add(new ChildSubvolume(refs.get(i)[0], directoryPath(fd, parentId, refs.get(i)[1]) + names.get(i)));
            }
            return children;
        }
    }

    /** The path of directory inode {@code dirid} in tree {@code tree}, relative to its root, with a trailing slash. */
    private static String directoryPath(Fd fd, long tree, long dirid) throws IOException {
        if (dirid == FIRST_FREE_OBJECTID) {
            return "";
        }
        try (Memory args = new Memory(INO_LOOKUP_SIZE)) {
            args.clear();
            args.setLong(0, tree);
            args.setLong(8, dirid);
            ioctl(fd, INO_LOOKUP, args, "look up directory " + dirid + " of subvolume " + tree);
            return args.getString(16, StandardCharsets.UTF_8.name());
        }
    }

    /**
     * Fills a {@code struct btrfs_ioctl_search_key} (at the start of the search arguments) for items of one type in
     * {@code tree} between the given object ids and offsets, any transaction, at most {@code items} of them.
     */
    private static void searchKey(Memory args, long tree, long minObject, long maxObject, long minOffset, long maxOffset,
                                  int type, int items) {
        args.clear();
        args.setLong(0, tree);
        args.setLong(8, minObject);
        args.setLong(16, maxObject);
        args.setLong(24, minOffset);
        args.setLong(32, maxOffset);
        args.setLong(40, 0);        // min_transid
        args.setLong(48, -1L);      // max_transid
        args.setInt(56, type);      // min_type
        args.setInt(60, type);      // max_type
        args.setInt(64, items);     // nr_items
    }

    private static void ioctl(Fd fd, long request, Memory args, String what) throws IOException {
        try {
            LibC.INSTANCE.ioctl(fd.value(), request, args);
        } catch (LastErrorException e) {
            throw Fd.error(what, e);
        }
    }

    private static void checkName(String name, int max) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")
                || name.getBytes(StandardCharsets.UTF_8).length > max) {
            throw new IllegalArgumentException("invalid subvolume name '" + name + "'");
        }
    }
}
