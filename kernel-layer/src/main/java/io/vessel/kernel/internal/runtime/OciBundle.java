package io.vessel.kernel.internal.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime configuration ({@code config.json}) of a VE: a full OS container. Starts from runc's own
 * defaults for masked and read-only paths, adds the capabilities a system container needs to run an init and
 * services (Docker's default set plus NET_ADMIN and SYS_CHROOT, all scoped to the VE's user namespace when
 * unprivileged), never CAP_SYS_ADMIN, CAP_SYS_MODULE or CAP_SYS_RAWIO.
 */
public final class OciBundle {

    /** Pseudo-terminals one VE may hold at once (consoles, SSH sessions, screen/tmux windows). */
    public static final int PTYS_PER_VE = 1024;

    /** Size of each VE's uid/gid range on the host. */
    public static final int ID_RANGE = 65536;

    static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", "CAP_NET_ADMIN");

    static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
            "/proc/scsi");

    static final List<String> READ_ONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    /**
     * With nesting, {@code /proc/sys} is not made read-only: a container runtime inside the VE sets its containers'
     * sysctls there (Podman's {@code net.ipv4.ping_group_range}), and the VE's root could remove the read-only mount
     * anyway. What it may write is what the kernel lets the VE's user namespace write: the sysctls of its own network,
     * IPC and UTS namespaces, never the host's (tested).
     */
    static final List<String> READ_ONLY_NESTING = READ_ONLY.stream().filter(p -> !p.equals("/proc/sys")).toList();

    /**
     * What a VE's configuration is made from. {@code viewMounts}: OCI mounts laid over the standard ones, such as
     * LXCFS's files that give the VE its own view of memory, CPUs and uptime. {@code statfsListener}: the socket of
     * the helper that answers the VE's {@code statfs} calls (see {@code StatfsAgent}); null: the kernel answers.
     */
    public record Spec(int veId, String hostname, String rootfs, boolean privileged, int idBase, String cgroupsPath,
                       Map<String, Object> resources, String init, List<Map<String, Object>> viewMounts, String statfsListener,
                       Boot boot) {
        public Spec(int veId, String hostname, String rootfs, boolean privileged, int idBase, String cgroupsPath,
                    Map<String, Object> resources, String init) {
            this(veId, hostname, rootfs, privileged, idBase, cgroupsPath, resources, init, List.of(), null, Boot.PLAIN);
        }
    }

    /**
     * How the VE's init is set up.
     *
     * @param systemd         {@code /run} and {@code /run/lock} are tmpfs, as systemd expects of a container
     * @param writableCgroups {@code /sys/fs/cgroup} is mounted read-write: what the VE may write there is decided by
     *                        ownership (its delegated cgroup), never by the mount
     * @param nesting         the VE's root gets {@code CAP_SYS_ADMIN} (and {@code CAP_SYS_PTRACE}) for the containers it
     *                        runs itself: within its user namespace only, so never for a privileged VE
     */
    public record Boot(boolean systemd, boolean writableCgroups, boolean nesting) {
        public static final Boot PLAIN = new Boot(false, false, false);
    }

    private OciBundle() {
    }

    /** First host uid of VE {@code veId}'s range; ranges never overlap, so VEs cannot touch each other's files. */
    public static int idBase(int veId) {
        return ID_RANGE * veId;
    }

    public static Map<String, Object> config(Spec spec) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ociVersion", "1.0.2");
        if (spec.privileged() && spec.boot().nesting()) {
            throw new IllegalArgumentException("nesting is for unprivileged VEs: a privileged VE's capabilities are the host's");
        }
        config.put("process", process(spec.init(), spec.privileged(), spec.boot().nesting()));
        config.put("root", Map.of("path", spec.rootfs(), "readonly", false));
        config.put("hostname", spec.hostname());
        List<Map<String, Object>> mounts = mounts(spec.boot());
        mounts.addAll(spec.viewMounts());
        config.put("mounts", mounts);
        config.put("linux", linux(spec));
        return config;
    }

    /**
     * CAP_SYS_BOOT lets a VE's own {@code reboot}/{@code poweroff} (systemd's, or busybox's {@code -f}) call reboot(2):
     * in a pid namespace that only ends the namespace's init (with SIGHUP or SIGINT, which the VE's monitor reports).
     * Not for privileged VEs: there it would also allow kexec into another host kernel were seccomp not refusing it.
     */
    static List<String> capabilities(boolean privileged, boolean nesting) {
        if (privileged) {
            return CAPABILITIES;
        }
        List<String> caps = new ArrayList<>(CAPABILITIES);
        caps.add("CAP_SYS_BOOT");
        if (nesting) {
            caps.addAll(NESTING_CAPABILITIES);
        }
        return caps;
    }

    /** What a container runtime inside a VE needs beyond a standard server: mounts, and tracing its own containers. */
    static final List<String> NESTING_CAPABILITIES = List.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE");

    private static Map<String, Object> process(String init, boolean privileged, boolean nesting) {
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", Map.of("uid", 0, "gid", 0));
        process.put("args", List.of(init));
        process.put("env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=vessel", "TERM=xterm"));
        process.put("cwd", "/");
        List<String> caps = capabilities(privileged, nesting);
        process.put("capabilities", Map.of("bounding", caps, "effective", caps, "permitted", caps, "ambient", List.of()));
        process.put("rlimits", Rlimits.forVe());
        process.put("noNewPrivileges", false);
        return process;
    }

    private static List<Map<String, Object>> mounts(Boot boot) {
        List<Map<String, Object>> mounts = new ArrayList<>();
        mounts.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        mounts.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        // max=: the host's pseudo-terminals (kernel.pty.max) are shared by every VE; one VE must not take them all
        mounts.add(mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                "max=" + PTYS_PER_VE)));
        mounts.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        mounts.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        mounts.add(mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime",
                boot.writableCgroups() ? "rw" : "ro")));
        if (boot.systemd()) {
            mounts.add(mount("/run", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=755")));
            mounts.add(mount("/run/lock", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "noexec", "mode=1777", "size=5m")));
        }
        return mounts;
    }

    private static Map<String, Object> mount(String destination, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }

    /**
     * System calls a VE never needs and that widen the kernel's attack surface: kernel modules and kexec, BPF and
     * perf, the kernel keyring, handles that bypass mount confinement, swap, quotas and clocks. Everything else is
     * allowed, like LXC's default policy, since a VE runs a whole OS (a Docker-style allowlist breaks init systems
     * and nested containers). Refused calls fail with EPERM; keyctl with ENOSYS so programs fall back quietly.
     */
    static final List<String> DENIED_SYSCALLS = List.of("acct", "add_key", "bpf", "clock_adjtime", "clock_settime",
            "create_module", "delete_module", "finit_module", "get_kernel_syms", "init_module", "ioperm", "iopl",
            "kexec_file_load", "kexec_load", "lookup_dcookie", "nfsservctl", "open_by_handle_at", "perf_event_open",
            "quotactl", "quotactl_fd", "request_key", "settimeofday", "stime", "swapoff", "swapon", "sysfs", "_sysctl",
            "userfaultfd", "uselib", "vm86", "vm86old");

    /**
     * Kernel interfaces nothing legitimate in a VE needs, refused with ENOSYS so programs take their fallback
     * (io_uring has had a long run of privilege escalations reachable from user namespaces; glibc, systemd and
     * databases fall back to classic I/O without it).
     */
    static final List<String> UNAVAILABLE_SYSCALLS = List.of("keyctl", "io_uring_setup", "io_uring_enter", "io_uring_register");

    /**
     * btrfs requests that create subvolumes or snapshots: what a VE writes into a subvolume of its own escapes its
     * quota group, and the subvolume blocks the VE's deletion. Refused with ENOTTY, as a file system without them
     * answers, so software such as systemd falls back to plain directories. The kernel truncates the request to 32
     * bits but seccomp sees all 64, so the rule compares the low 32 bits only ({@code 0xffffffff50009417} must not
     * slip past an equality rule).
     */
    static final List<Long> DENIED_IOCTLS = List.of(
            0x50009401L,  // BTRFS_IOC_SNAP_CREATE
            0x5000940eL,  // BTRFS_IOC_SUBVOL_CREATE
            0x50009417L,  // BTRFS_IOC_SNAP_CREATE_V2
            0x50009418L); // BTRFS_IOC_SUBVOL_CREATE_V2

    private static final int EPERM = 1;
    private static final int ENOTTY = 25;
    private static final int ENOSYS = 38;

    /** System calls whose answers a helper outside the VE gives (or lets the kernel give, see {@code StatfsAgent}). */
    static final List<String> NOTIFIED_SYSCALLS = List.of("statfs", "fstatfs");

    static Map<String, Object> seccomp(String listener) {
        Map<String, Object> seccomp = new LinkedHashMap<>();
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        seccomp.put("architectures", architectures());
        List<Map<String, Object>> rules = new ArrayList<>();
        rules.add(Map.of("names", DENIED_SYSCALLS, "action", "SCMP_ACT_ERRNO", "errnoRet", EPERM));
        rules.add(Map.of("names", UNAVAILABLE_SYSCALLS, "action", "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
        for (long request : DENIED_IOCTLS) {
            // SCMP_CMP_MASKED_EQ: (argument & value) == valueTwo
            rules.add(Map.of("names", List.of("ioctl"), "action", "SCMP_ACT_ERRNO", "errnoRet", ENOTTY,
                    "args", List.of(Map.of("index", 1, "value", 0xffffffffL, "valueTwo", request, "op", "SCMP_CMP_MASKED_EQ"))));
        }
        if (listener != null) {
            rules.add(Map.of("names", NOTIFIED_SYSCALLS, "action", "SCMP_ACT_NOTIFY"));
            seccomp.put("listenerPath", listener);
        }
        seccomp.put("syscalls", rules);
        return seccomp;
    }

    /** The host's native ABI and its 32-bit companions, so the filter cannot be sidestepped through them. */
    private static List<String> architectures() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
            case "aarch64" -> List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
            default -> List.of();
        };
    }

    private static Map<String, Object> linux(Spec spec) {
        Map<String, Object> linux = new LinkedHashMap<>();
        List<Map<String, Object>> namespaces = new ArrayList<>();
        for (String ns : List.of("pid", "network", "ipc", "uts", "mount", "cgroup")) {
            namespaces.add(Map.of("type", ns));
        }
        if (!spec.privileged()) {
            namespaces.add(Map.of("type", "user"));
            List<Map<String, Object>> mapping = List.of(Map.of("containerID", 0, "hostID", spec.idBase(), "size", ID_RANGE));
            linux.put("uidMappings", mapping);
            linux.put("gidMappings", mapping);
        }
        linux.put("namespaces", namespaces);
        linux.put("cgroupsPath", spec.cgroupsPath());
        Map<String, Object> resources = new LinkedHashMap<>(spec.resources());
        // nothing but the standard pseudo-devices runc creates: no disks, no /dev/mem, no mknod of real devices
        resources.put("devices", List.of(Map.of("allow", false, "access", "rwm")));
        linux.put("resources", resources);
        linux.put("seccomp", seccomp(spec.statfsListener()));
        linux.put("maskedPaths", MASKED);
        linux.put("readonlyPaths", spec.boot().nesting() ? READ_ONLY_NESTING : READ_ONLY);
        return linux;
    }
}
