package io.vessel.kernel.internal;

import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.HostCapabilities.CgroupLayout;
import io.vessel.kernel.api.HostCapabilities.OciRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reads what the host offers from {@code /proc} and {@code PATH}. Everything is read from a root directory
 * given at construction, so tests can point it at recorded layouts of other hosts.
 */
final class HostProbe {

    private final Path root;
    private final List<Path> searchPath;

    HostProbe(Path root, List<Path> searchPath) {
        this.root = root;
        this.searchPath = searchPath;
    }

    static HostProbe forThisHost() {
        List<Path> path = new ArrayList<>();
        String env = System.getenv("PATH");
        for (String dir : (env == null ? "" : env).split(":")) {
            if (!dir.isBlank()) {
                path.add(Path.of(dir));
            }
        }
        for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (!path.contains(Path.of(dir))) {
                path.add(Path.of(dir));
            }
        }
        return new HostProbe(Path.of("/"), path);
    }

    HostCapabilities probe() {
        return new HostCapabilities(read("proc/sys/kernel/osrelease").orElse("unknown").strip(),
                cgroupLayout(read("proc/self/mountinfo").orElse("")), runtimes(), filesystems(),
                userNamespaces(), isRoot());
    }

    /** Decides the layout from the mount table: where cgroup2 and cgroup (v1) file systems are mounted. */
    static CgroupLayout cgroupLayout(String mountinfo) {
        boolean v1 = false;
        boolean v2 = false;
        boolean v2AtRoot = false;
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length < 5 || after.length < 1) {
                continue;
            }
            String mountPoint = before[4];
            if (after[0].equals("cgroup2")) {
                v2 = true;
                v2AtRoot |= mountPoint.equals("/sys/fs/cgroup");
            } else if (after[0].equals("cgroup")) {
                v1 = true;
            }
        }
        if (v2AtRoot && !v1) {
            return CgroupLayout.V2;
        }
        if (v1 && v2) {
            return CgroupLayout.HYBRID;
        }
        if (v1) {
            return CgroupLayout.V1;
        }
        return v2 ? CgroupLayout.V2 : CgroupLayout.NONE;
    }

    private List<OciRuntime> runtimes() {
        List<OciRuntime> found = new ArrayList<>();
        for (String name : List.of("runc", "crun")) {
            findExecutable(name).ifPresent(path -> found.add(new OciRuntime(name, path.toString(), version(path))));
        }
        return found;
    }

    private Optional<Path> findExecutable(String name) {
        for (Path dir : searchPath) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out.lines().findFirst().orElse("").strip();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private List<String> filesystems() {
        String table = read("proc/filesystems").orElse("");
        List<String> found = new ArrayList<>();
        for (String fs : List.of("btrfs", "overlay", "xfs", "ext4")) {
            if (table.lines().anyMatch(l -> l.strip().endsWith("\t" + fs) || l.strip().equals(fs) || l.strip().endsWith(" " + fs))) {
                found.add(fs);
            }
        }
        return found;
    }

    private boolean userNamespaces() {
        return read("proc/sys/user/max_user_namespaces").map(String::strip).map(v -> !v.equals("0")).orElse(false);
    }

    private boolean isRoot() {
        return read("proc/self/status").orElse("").lines()
                .filter(l -> l.startsWith("Uid:")).findFirst()
                .map(l -> l.split("\\s+")[1].equals("0")).orElse(false);
    }

    private Optional<String> read(String relative) {
        try {
            return Optional.of(Files.readString(root.resolve(relative)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
