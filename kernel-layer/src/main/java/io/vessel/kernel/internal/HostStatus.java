package io.vessel.kernel.internal;

import io.vessel.kernel.api.NodeStatus;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** Reads the local host's load, memory and storage pool from /proc and the pool's file system. */
final class HostStatus {

    private final Path proc;
    private final Path storagePool;
    private final Supplier<List<VirtualEnvironment>> ves;

    HostStatus(Path proc, Path storagePool, Supplier<List<VirtualEnvironment>> ves) {
        this.proc = proc;
        this.storagePool = storagePool;
        this.ves = ves;
    }

    NodeStatus now() {
        String[] load = read("loadavg").split("\\s+");
        List<VirtualEnvironment> all = ves.get();
        long storageTotal = 0;
        long storageFree = 0;
        try {
            FileStore store = Files.getFileStore(storagePool);
            storageTotal = store.getTotalSpace();
            storageFree = store.getUsableSpace();
        } catch (IOException e) {
            // the pool is not mounted (kernel layer unavailable): report nothing rather than fail the dashboard
        }
        String meminfo = read("meminfo");
        return new NodeStatus(Runtime.getRuntime().availableProcessors(), number(load, 0), number(load, 1), number(load, 2),
                bytes(meminfo, "MemTotal:"), bytes(meminfo, "MemAvailable:"), storageTotal, storageFree, all.size(),
                (int) all.stream().filter(ve -> ve.state() == VeState.RUNNING).count(), (long) number(read("uptime").split("\\s+"), 0));
    }

    /** A {@code /proc/meminfo} line's value in bytes (the file says kB). */
    private static long bytes(String meminfo, String key) {
        return meminfo.lines().filter(l -> l.startsWith(key)).findFirst()
                .map(l -> Long.parseLong(l.substring(key.length()).replace("kB", "").strip()) * 1024).orElse(0L);
    }

    private String read(String file) {
        try {
            return Files.readString(proc.resolve(file));
        } catch (IOException e) {
            return "";
        }
    }

    private static double number(String[] fields, int index) {
        try {
            return index < fields.length ? Double.parseDouble(fields[index]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
