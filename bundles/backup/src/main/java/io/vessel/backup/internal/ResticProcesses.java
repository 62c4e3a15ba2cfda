package io.vessel.backup.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The restic processes this panel started, found after a crash by what only ours carry: a {@code --cache-dir} below
 * the panel's own cache directory. Each restic is started with a parent-death signal, so a panel killed with
 * {@code kill -9} normally takes its restic processes along; this is the check before the repositories' locks are
 * touched at the next start — {@code restic unlock} while a restic of that repository still lives would let a
 * second one in beside it.
 */
final class ResticProcesses {

    private ResticProcesses() {
    }

    /** Kills the restic processes working with a cache below {@code caches}; answers their pids. */
    static List<Long> killLeftBy(Path caches) throws IOException {
        String marker = caches.toAbsolutePath().normalize().toString() + "/";
        List<Long> killed = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path process : processes) {
                List<String> argv = commandLine(process);
                if (argv.isEmpty() || !argv.get(0).endsWith("restic")) {
                    continue;
                }
                int cache = argv.indexOf("--cache-dir");
                if (cache >= 0 && cache + 1 < argv.size() && argv.get(cache + 1).startsWith(marker)) {
                    long pid = Long.parseLong(process.getFileName().toString());
                    ProcessHandle.of(pid).ifPresent(h -> {
                        h.destroyForcibly();
                        killed.add(pid);
                    });
                }
            }
        }
        for (long pid : killed) {
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> h).join());
        }
        return killed;
    }

    private static List<String> commandLine(Path process) {
        try {
            byte[] raw = Files.readAllBytes(process.resolve("cmdline"));
            List<String> argv = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return argv;
        } catch (IOException e) {
            return List.of(); // ended meanwhile, or a kernel thread
        }
    }
}
