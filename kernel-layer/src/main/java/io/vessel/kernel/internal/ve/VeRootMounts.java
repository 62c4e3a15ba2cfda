package io.vessel.kernel.internal.ve;

import io.vessel.kernel.internal.linux.Mounts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an unprivileged VE's root file system is reached from when the runtime sets the VE up. runc prepares the
 * root as the VE's own (high) uid, which must pass through every directory on the way: the data directory's parents
 * are the provider's business (root clones into {@code /root}, mode 0700), so the path must not lead through them.
 *
 * <p>Each VE's private area is bind-mounted at {@code /run/vessel/<node>/ves/<id>/rootfs} while it runs: {@code
 * /run/vessel} and {@code /run/vessel/<node>} and {@code ves} are {@code 0711} (passable, not listable), and
 * {@code ves/<id>} is {@code 0700} and belongs to that VE's root — so a VE's ids reach its own root and no other
 * VE's, and the storage pool itself can be closed to everyone but root. The node's id in the path keeps panels
 * side by side (tests, several data directories) apart. {@code /run} may not be a tmpfs (it is not on these
 * machines): what a crash or reboot leaves here is cleaned by {@link #keepOnly}, never trusted.
 */
public final class VeRootMounts {

    private static final Logger LOG = LoggerFactory.getLogger(VeRootMounts.class);
    private static final long MS_BIND = 4096;

    private final Path ves;

    private VeRootMounts(Path ves) {
        this.ves = ves;
    }

    /** The node's runtime root, {@code <runDir>/<node>}, made passable from {@code runDir} on. */
    public static VeRootMounts under(Path runDir, String node) throws IOException {
        Path nodeDir = runDir.resolve(node);
        Path ves = nodeDir.resolve("ves");
        for (Path dir : List.of(runDir, nodeDir, ves)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        }
        return new VeRootMounts(ves);
    }

    /** The node's runtime root. */
    public Path nodeDir() {
        return ves.getParent();
    }

    /**
     * The path the runtime gets as the VE's root: {@code privateArea} bind-mounted there (again, if a crash left the
     * directory without its mount), the VE's directory owned by {@code uid:gid} (its root on the host) with mode 0700.
     */
    public Path prepare(int veId, Path privateArea, int uid, int gid) throws IOException {
        Path dir = ves.resolve(String.valueOf(veId));
        Path rootfs = dir.resolve("rootfs");
        if (Files.isSymbolicLink(dir) || Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory");
        }
        Files.createDirectories(rootfs);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        if (Mounts.find(rootfs).isEmpty()) {
            Mounts.mount(privateArea.toString(), rootfs, null, MS_BIND, null);
        }
        return rootfs;
    }

    /** Unmounts and removes the VE's directory (the VE stopped, or was never started); nothing there is fine. */
    public void release(int veId) {
        Path dir = ves.resolve(String.valueOf(veId));
        Path rootfs = dir.resolve("rootfs");
        try {
            while (Mounts.find(rootfs).isPresent()) {
                Mounts.unmount(rootfs, true);
            }
            Files.deleteIfExists(rootfs);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("Could not remove the runtime root of ve={}: {}", veId, e.getMessage());
        }
    }

    /** Releases every VE directory but those of {@code running} (left by a crash, a reboot, or removed VEs). */
    public void keepOnly(Set<Integer> running) {
        List<Integer> stale = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ves)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.matches("\\d{1,5}") && !running.contains(Integer.parseInt(name))) {
                    stale.add(Integer.parseInt(name));
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot list {}: {}", ves, e.getMessage());
        }
        for (int id : stale) {
            LOG.info("Reconcile: removing the runtime root of a VE that does not run ve={}", id);
            release(id);
        }
    }
}
