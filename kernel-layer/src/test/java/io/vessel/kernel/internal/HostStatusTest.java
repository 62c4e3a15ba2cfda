package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.kernel.api.NodeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostStatusTest {

    @TempDir
    Path proc;

    @Test
    void readsLoadMemoryAndUptimeAsTheKernelWritesThem() throws Exception {
        Files.writeString(proc.resolve("loadavg"), "0.52 1.07 2.50 3/512 12345\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       24684368 kB\nMemFree:        20000000 kB\nMemAvailable:   23757156 kB\n");
        Files.writeString(proc.resolve("uptime"), "93784.21 180000.00\n");
        NodeStatus status = new HostStatus(proc, proc, List::of).now();
        assertEquals(0.52, status.load1());
        assertEquals(2.50, status.load15());
        assertEquals(24684368L * 1024, status.memoryTotalBytes());
        assertEquals(23757156L * 1024, status.memoryAvailableBytes());
        assertEquals(93784, status.uptimeSeconds());
        assertEquals(0, status.ves());
    }

    @Test
    void aMissingFileGivesZeroesRatherThanAnError() {
        NodeStatus status = new HostStatus(proc.resolve("gone"), proc.resolve("gone"), List::of).now();
        assertEquals(0, status.memoryTotalBytes());
        assertEquals(0, status.storageTotalBytes());
    }
}
