package io.vessel.kernel.internal.linux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the panel's long-lived helpers live on a host that systemd runs: each VE's monitor (conmon), LXCFS, the
 * statfs helpers and the VEs' resolver go into a transient scope of their own in {@code vessel.slice}, started
 * through {@code systemd-run --scope}, not in the cgroup of whatever started the panel. In the service's cgroup they
 * would be stopped with it ({@code systemctl stop vessel} kills the whole cgroup unless told not to), count against
 * its task limit and be charged to it; in a login session's scope they would die at logout. In a scope they are
 * their own units: {@code systemctl status vessel.slice} lists them, and stopping or restarting the panel leaves
 * them and the VEs they serve alone.
 *
 * <p>{@code systemd-run --scope} asks systemd for the scope (as root over systemd's private socket, no D-Bus daemon
 * needed), moves itself into it and then becomes the command in place: environment, descriptors and session stay as
 * the caller made them, and whatever the helper forks stays in the scope. Written here rather than through a
 * library: no maintained Java D-Bus binding is on the panel's class path, and one command line is all it takes.
 *
 * <p>Elsewhere (no systemd as the host's init: containers, these test machines) a command is started as it is.
 */
public final class SystemdScope {

    /** The directory systemd makes when it is the host's init: what {@code sd_booted(3)} looks at. */
    private static final Path BOOTED_MARKER = Path.of("/run/systemd/system");
    /** The slice every helper's scope goes to. */
    public static final String SLICE = "vessel.slice";

    private SystemdScope() {
    }

    /** {@code systemd-run}, when systemd runs this host and the tool is there. */
    static Optional<Path> systemdRun() {
        if (!Files.isDirectory(BOOTED_MARKER)) {
            return Optional.empty();
        }
        return List.of("/usr/bin/systemd-run", "/bin/systemd-run").stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /**
     * The command line that starts {@code command} in a scope of its own when systemd runs the host, or
     * {@code command} itself. {@code name} makes the unit's name readable ({@code vessel-<name>-<random>.scope}: a
     * suffix of its own, so a helper that is still ending never blocks the next one's name); {@code description} is
     * what {@code systemctl} shows beside it.
     */
    public static List<String> around(String name, String description, List<String> command) {
        return around(systemdRun(), name, description, command);
    }

    /** {@link #around(String, String, List)} with {@code run} as what {@link #systemdRun} found. */
    static List<String> around(Optional<Path> run, String name, String description, List<String> command) {
        if (run.isEmpty()) {
            return command;
        }
        List<String> argv = new ArrayList<>(List.of(run.get().toString(), "--scope", "--quiet", "--collect", "--slice=" + SLICE,
                "--unit=" + unitName(name), "--description=" + description,
                // a helper serves VEs: no per-unit task cap of systemd's default (15 % of pid_max) should end it
                "--property=TasksMax=infinity", "--"));
        argv.addAll(command);
        return argv;
    }

    /** {@code vessel-<name>-<6 random hex digits>}, with anything a unit name may not hold replaced by {@code _}. */
    static String unitName(String name) {
        return "vessel-" + name.replaceAll("[^A-Za-z0-9:_.\\-]", "_") + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }
}
