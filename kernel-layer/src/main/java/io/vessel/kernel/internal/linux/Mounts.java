package io.vessel.kernel.internal.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** mount(2), umount2(2) and reading the mount table. */
public final class Mounts {

    public static final long MS_NOATIME = 1024;

    /** One line of /proc/self/mountinfo that matters to us. */
    public record Mount(Path mountPoint, String fsType, String source) {
    }

    private Mounts() {
    }

    public static void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        try {
            LibC.INSTANCE.mount(source, target.toString(), fsType, flags, data);
        } catch (LastErrorException e) {
            throw Fd.error("mount " + source + " on " + target, e);
        }
    }

    public static void unmount(Path target, boolean lazy) throws IOException {
        try {
            LibC.INSTANCE.umount2(target.toString(), lazy ? LibC.MNT_DETACH : 0);
        } catch (LastErrorException e) {
            throw Fd.error("unmount " + target, e);
        }
    }

    public static Optional<Mount> find(Path mountPoint) throws IOException {
        String wanted = mountPoint.toAbsolutePath().normalize().toString();
        Optional<Mount> found = Optional.empty();
        for (Mount mount : table()) {
            if (mount.mountPoint().toString().equals(wanted)) {
                found = Optional.of(mount);
            }
        }
        return found; // the last match is the one on top
    }

    /** Mount points at or below {@code dir}, deepest (and latest) first: the order to unmount them in. */
    public static java.util.List<Path> under(Path dir) throws IOException {
        String top = dir.toAbsolutePath().normalize().toString();
        java.util.List<Path> found = new java.util.ArrayList<>();
        for (Mount mount : table()) {
            String point = mount.mountPoint().toString();
            if (point.equals(top) || point.startsWith(top + "/")) {
                found.add(mount.mountPoint());
            }
        }
        java.util.Collections.reverse(found);
        found.sort(java.util.Comparator.comparingInt((Path p) -> p.getNameCount()).reversed());
        return found;
    }

    /**
     * Detaches every mount strictly below {@code dir}, deepest first (lazily: a mount still in use goes once it is no
     * longer used, and no longer blocks anything at its place). Returns the mount points detached.
     */
    public static java.util.List<Path> detachBelow(Path dir) throws IOException {
        Path top = dir.toAbsolutePath().normalize();
        java.util.List<Path> below = under(top).stream().filter(m -> !m.equals(top)).toList();
        for (Path mount : below) {
            unmount(mount, true);
        }
        return below;
    }

    /** Every mount of this process's namespace, in the order of /proc/self/mountinfo (later ones on top). */
    private static java.util.List<Mount> table() throws IOException {
        java.util.List<Mount> mounts = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length > 4) {
                mounts.add(new Mount(Path.of(unescape(before[4])), after[0], after.length > 1 ? after[1] : ""));
            }
        }
        return mounts;
    }

    /** The type of the file system {@code path} lies on: that of the deepest mount point above it. */
    public static String fileSystemOf(Path path) throws IOException {
        String wanted = path.toAbsolutePath().normalize().toString();
        String best = "";
        String type = "";
        for (Mount mount : table()) {
            String point = mount.mountPoint().toString();
            boolean contains = wanted.equals(point) || wanted.startsWith(point.endsWith("/") ? point : point + "/");
            if (contains && point.length() >= best.length()) {
                best = point;
                type = mount.fsType();
            }
        }
        return type;
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
