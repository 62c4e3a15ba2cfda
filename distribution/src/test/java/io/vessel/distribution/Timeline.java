package io.vessel.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Writes when each integration test class starts and ends, and how busy the machine's CPUs were meanwhile, to
 * {@code target/it-timeline.txt}: the suite is bound by CPU and runs two classes at a time, so what makes a run long is
 * not only what each class takes but what runs beside it (a class that mostly waits, started when nothing else is
 * left, leaves a core idle). The order of {@link LongestFirst} is tuned from this file.
 */
public final class Timeline implements TestExecutionListener {

    private static final Path FILE = Path.of("target/it-timeline.txt");
    private final long start = System.nanoTime();
    private final java.util.Map<String, Started> running = new java.util.concurrent.ConcurrentHashMap<>();

    /** When a class started, and the CPUs' jiffies then. */
    private record Started(double seconds, long[] cpu) {
    }

    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
        write("# seconds since the start, start|end, class; at the end: how long it ran, the share of the machine's CPU time"
                + " busy meanwhile (all classes together), result\n", StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        testClass(test).ifPresent(name -> {
            Started started = new Started(seconds(), cpu());
            running.put(name, started);
            write(String.format("%7.1f start %s%n", started.seconds(), name), StandardOpenOption.APPEND);
        });
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        testClass(test).ifPresent(name -> {
            Started started = running.remove(name);
            double now = seconds();
            long[] cpu = cpu();
            String ran = started == null ? "?" : String.format("%.1f s", now - started.seconds());
            String busy = started == null || cpu[1] == started.cpu()[1] ? "?"
                    : String.format("%.0f%%", 100.0 * (cpu[0] - started.cpu()[0]) / (cpu[1] - started.cpu()[1]));
            write(String.format("%7.1f end   %s %s busy %s %s%n", now, name, ran, busy, result.getStatus()), StandardOpenOption.APPEND);
        });
    }

    private static java.util.Optional<String> testClass(TestIdentifier test) {
        return test.getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getClassName().replace("io.vessel.distribution.", ""));
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Busy and total jiffies of all CPUs, from the first line of /proc/stat. */
    private static long[] cpu() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private static synchronized void write(String line, StandardOpenOption mode) {
        try {
            Files.writeString(FILE, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
