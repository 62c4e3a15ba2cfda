package io.vessel.kernel.internal.ve;

import io.vessel.kernel.internal.linux.SystemdScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Host helpers running VEs depend on (LXCFS, the statfs helpers), started with {@code setsid --fork}: each gets a
 * session of its own and is no child of the panel, so neither the panel's stop or crash nor a signal to its process
 * group reaches it, and the JVM keeps no reaper thread per helper. Their output goes to a log file. Where systemd
 * runs the host, each also gets a scope of its own ({@link SystemdScope}), out of the panel's service.
 */
final class Detached {

    private Detached() {
    }

    /**
     * Starts {@code command} detached, its output appended to {@code log}; returns once it is on its own. {@code name}
     * and {@code description} name its scope where systemd runs the host.
     */
    static void start(String name, String description, List<String> command, Path log) throws IOException {
        List<String> argv = new ArrayList<>(List.of("setsid", "--fork"));
        argv.addAll(SystemdScope.around(name, description, command));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectErrorStream(true);
        Process launcher = pb.start();
        try {
            launcher.waitFor(); // setsid --fork returns at once
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + command.get(0));
        }
    }

    /** The last lines a helper wrote to its log, for an error message. */
    static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "no output" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "no output";
        }
    }
}
