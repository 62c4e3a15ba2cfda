package io.vessel.kernel.internal.ve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The host's own tools run where the panel needs them: in a cgroup from their first instruction, or inside a running
 * VE as its root. Both through {@code vessel-run} (kernel-layer/src/main/c), which a JVM cannot replace: joining a
 * user namespace takes a single-threaded process. Inside a VE the tool is the host's static busybox, opened on the
 * host and executed by descriptor: nothing from the VE's file system runs, and its libraries are never loaded.
 */
public final class HostTools {

    /** How a tool run ended: its exit status (-1 when it was stopped), what it said on stderr, whether time ran out. */
    public record Outcome(int exitCode, String messages, boolean timedOut) {
    }

    private static final int MESSAGES_KEPT = 16 << 10;
    /** How long the input may go on after the tool ended (see {@link #fedWithin}). */
    private static final Duration FEEDER_GRACE = Duration.ofSeconds(30);

    private final Path vesselRun;
    private final Optional<Path> busybox;

    HostTools(Path vesselRun, Optional<Path> busybox) {
        this.vesselRun = vesselRun;
        this.busybox = busybox;
    }

    /** The tools of this host: {@code vessel-run} as unpacked, and the first statically linked busybox found. */
    public static HostTools onThisHost(Path vesselRun) {
        Optional<Path> busybox = Optional.empty();
        for (String candidate : new String[] {"/bin/busybox", "/usr/bin/busybox", "/usr/lib/busybox/busybox-static"}) {
            Path path = Path.of(candidate);
            if (busybox.isEmpty() && Files.isExecutable(path) && isStatic(path)) {
                busybox = Optional.of(path);
            }
        }
        return new HostTools(vesselRun, busybox);
    }

    /** The command prefix that runs a program in the cgroups whose {@code cgroup.procs} files are given. */
    public List<String> inCgroups(List<Path> procsFiles) {
        List<String> command = starter(procsFiles);
        command.add("--");
        return command;
    }

    /** {@code vessel-run} joining the cgroups whose {@code cgroup.procs} files are given. */
    private List<String> starter(List<Path> procsFiles) {
        List<String> command = new ArrayList<>(List.of(vesselRun.toString()));
        for (Path procs : procsFiles) {
            command.addAll(List.of("--cgroup", procs.toString()));
        }
        return command;
    }

    /**
     * Runs busybox applet {@code argv} inside a running VE: the user and mount namespaces of its init {@code pid}
     * (checked to be in cgroup {@code group}), the cgroups in {@code procsFiles}, as its root; {@code stdin} fed to it.
     */
    public Outcome inVe(long pid, String group, List<Path> procsFiles, List<String> argv, InputStream stdin, Duration timeout)
            throws IOException {
        Path tool = busybox.orElseThrow(() -> new IOException("the host has no statically linked busybox (Debian package busybox-static)"));
        List<String> command = starter(procsFiles);
        command.addAll(List.of("--ve", Long.toString(pid), group, "--", tool.toString()));
        command.addAll(argv);
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> messages = CompletableFuture.supplyAsync(() -> kept(process.getErrorStream()));
        CompletableFuture<IOException> fed = CompletableFuture.supplyAsync(() -> feed(stdin, process.getOutputStream()));
        try {
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor();
            }
            IOException feeding = fedWithin(fed, FEEDER_GRACE);
            if (feeding != null && finished && process.exitValue() == 0) {
                throw feeding; // the archive could not be read to its end: what was written is incomplete
            }
            return new Outcome(finished ? process.exitValue() : -1, messages.join(), !finished);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * What the copying of the input ended with, once the tool has ended. The input's source (restic) normally ends
     * with the tool; one that stalls must not hold the caller for ever (nothing else would end the wait), so after
     * the grace the input counts as unread and the caller, which owns the source, stops it.
     */
    static IOException fedWithin(CompletableFuture<IOException> fed, Duration grace) throws InterruptedException {
        try {
            return fed.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return new IOException("the input did not end within " + grace.toSeconds() + " s of the tool's end");
        } catch (java.util.concurrent.ExecutionException e) {
            return new IOException(e.getCause());
        }
    }

    /** Copies the input to the tool; the tool ending early (a broken pipe) is its own exit status's business. */
    private static IOException feed(InputStream in, OutputStream out) {
        try (out) {
            if (in != null) {
                in.transferTo(out);
            }
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    private static String kept(InputStream in) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                kept.write(chunk, 0, Math.max(0, Math.min(n, MESSAGES_KEPT - kept.size())));
            }
        } catch (IOException e) {
            // the tool is gone; what it said so far is what there is
        }
        return kept.toString(StandardCharsets.UTF_8).strip();
    }

    /** Whether an ELF executable has no program interpreter (PT_INTERP): it loads no shared library from anywhere. */
    static boolean isStatic(Path binary) {
        try (var channel = Files.newByteChannel(binary)) {
            ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(header);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2) { // "\177ELF", 64-bit
                return false;
            }
            long table = header.getLong(0x20);
            int entrySize = Short.toUnsignedInt(header.getShort(0x36));
            int entries = Short.toUnsignedInt(header.getShort(0x38));
            ByteBuffer entry = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < entries; i++) {
                entry.clear();
                channel.position(table + (long) i * entrySize).read(entry);
                if (entry.getInt(0) == 3) { // PT_INTERP
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
