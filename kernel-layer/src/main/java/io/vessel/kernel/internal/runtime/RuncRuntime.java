package io.vessel.kernel.internal.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives an OCI runtime binary ({@code runc}; {@code crun} takes the same commands) for VEs. Each panel keeps
 * its own runtime state root, so two panels on one host never see each other's containers.
 *
 * <p>A VE is started detached with its console on a file, not on the panel's pipes: the VE's init is not the
 * panel's child and does not notice when the panel dies.
 */
public final class RuncRuntime {

    /** What the runtime knows of a container. */
    public record State(String status, int pid) {
        public boolean running() {
            return "running".equals(status);
        }

        public boolean paused() {
            return "paused".equals(status);
        }
    }

    /** Result of a command run inside a VE; each stream holds at most the cap it was run with. */
    public record ExecResult(int exitCode, String stdout, String stderr, boolean timedOut, long stdoutBytes, long stderrBytes,
                             boolean truncated) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String binary;
    private final Path stateRoot;

    public RuncRuntime(String binary, Path stateRoot) throws IOException {
        this.binary = binary;
        this.stateRoot = Files.createDirectories(stateRoot);
    }

    public String binary() {
        return binary;
    }

    /** Writes {@code bundleDir/config.json} and starts the container detached. */
    public void run(String id, Path bundleDir, Map<String, Object> config) throws IOException {
        launch("run", id, bundleDir, config);
    }

    /**
     * As {@link #run}, but stops before the container's program: its namespaces exist and its init waits, so the
     * host can set up what the VE must find at boot (its network); {@link #start} lets it go.
     */
    public void create(String id, Path bundleDir, Map<String, Object> config) throws IOException {
        launch("create", id, bundleDir, config);
    }

    public void start(String id) throws IOException {
        check(exec(command("start", id), null, Duration.ofSeconds(30)), "start " + id);
    }

    private void launch(String verb, String id, Path bundleDir, Map<String, Object> config) throws IOException {
        Files.createDirectories(bundleDir);
        Path configFile = bundleDir.resolve("config.json");
        Path partial = bundleDir.resolve("config.json.new");
        JSON.writeValue(partial.toFile(), config);
        Files.move(partial, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Path console = bundleDir.resolve("console.log");
        ProcessBuilder pb = verb.equals("run") ? command("run", "--detach", "--bundle", bundleDir.toString(), id)
                : command(verb, "--bundle", bundleDir.toString(), id);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(console.toFile()));
        long before = Files.exists(console) ? Files.size(console) : 0;
        Process p = pb.start();
        if (!waitFor(p, Duration.ofSeconds(60)) || p.exitValue() != 0) {
            String output = tail(console, before);
            throw new IOException("runc " + verb + " " + id + " failed: " + (output.isBlank() ? "exit " + exitOf(p) : output));
        }
    }

    /** Whether the runtime keeps state for {@code id}, without forking it (runc keeps a directory per container). */
    public boolean known(String id) {
        return Files.exists(stateRoot.resolve(id));
    }

    public Optional<State> state(String id) throws IOException {
        Result r = exec(command("state", id), null, Duration.ofSeconds(30));
        if (r.exitCode != 0) {
            if (r.stderr.contains("does not exist") || r.stdout.contains("does not exist")) {
                return Optional.empty();
            }
            throw new IOException("runc state " + id + " failed: " + r.stderr.strip());
        }
        JsonNode node = JSON.readTree(r.stdout);
        return Optional.of(new State(node.path("status").asText(), node.path("pid").asInt()));
    }

    /** Container ids the runtime has in this panel's state root. */
    public List<String> list() throws IOException {
        Result r = exec(command("list", "--quiet"), null, Duration.ofSeconds(30));
        if (r.exitCode != 0) {
            throw new IOException("runc list failed: " + r.stderr.strip());
        }
        return r.stdout.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    public void kill(String id, String signal, boolean all) throws IOException {
        List<String> args = new ArrayList<>(List.of("kill"));
        if (all) {
            args.add("--all");
        }
        args.add(id);
        args.add(signal);
        check(exec(command(args.toArray(String[]::new)), null, Duration.ofSeconds(30)), "kill " + id + " " + signal);
    }

    public void delete(String id, boolean force) throws IOException {
        Result r = force ? exec(command("delete", "--force", id), null, Duration.ofSeconds(60))
                : exec(command("delete", id), null, Duration.ofSeconds(60));
        if (r.exitCode != 0 && !r.stderr.contains("does not exist")) {
            throw new IOException("runc delete " + id + " failed: " + r.stderr.strip());
        }
    }

    public void pause(String id) throws IOException {
        check(exec(command("pause", id), null, Duration.ofSeconds(30)), "pause " + id);
    }

    public void resume(String id) throws IOException {
        check(exec(command("resume", id), null, Duration.ofSeconds(30)), "resume " + id);
    }

    /** Changes cgroup limits of a running container. {@code resources} is an OCI linux.resources object. */
    public void update(String id, Map<String, Object> resources) throws IOException {
        byte[] json = JSON.writeValueAsBytes(resources);
        check(exec(command("update", "--resources", "-", id), json, Duration.ofSeconds(30)), "update " + id);
    }

    /**
     * Runs {@code argv} in the container as root, with a deadline after which it is killed, keeping at most
     * {@code maxOutputBytes} of each stream (the rest is read and counted, so the command never blocks on a full pipe).
     */
    public ExecResult exec(String id, List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout, int maxOutputBytes)
            throws IOException {
        CappedBuffer out = new CappedBuffer(maxOutputBytes);
        CappedBuffer err = new CappedBuffer(maxOutputBytes);
        Finished f = exec(id, argv, env, stdin, timeout, (stderr, data, length) -> (stderr ? err : out).write(data, length));
        return new ExecResult(f.exitCode(), out.text(), err.text(), f.timedOut(), out.total, err.total, out.truncated() || err.truncated());
    }

    /** As above, keeping up to 1 MiB of each stream. */
    public ExecResult exec(String id, List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout) throws IOException {
        return exec(id, argv, env, stdin, timeout, 1 << 20);
    }

    /** How a streamed command ended. */
    public record Finished(int exitCode, boolean timedOut) {
    }

    /** As {@link #exec(String, List, Map, byte[], Duration, int)}, handing every byte to {@code output} as it comes. */
    public Finished exec(String id, List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout,
                         io.vessel.kernel.api.ExecOutput output) throws IOException {
        List<String> args = new ArrayList<>(List.of("exec", "--cwd", "/"));
        for (Map.Entry<String, String> e : env.entrySet()) {
            args.add("--env");
            args.add(e.getKey() + "=" + e.getValue());
        }
        args.add(id);
        args.addAll(argv);
        Process p = command(args.toArray(String[]::new)).start();
        CompletableFuture<IOException> out = CompletableFuture.supplyAsync(() -> pump(p.getInputStream(), false, output));
        CompletableFuture<IOException> err = CompletableFuture.supplyAsync(() -> pump(p.getErrorStream(), true, output));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null && stdin.length > 0) {
                in.write(stdin);
            }
        } catch (IOException closedEarly) {
            // the command did not read its input
        }
        boolean finished = waitFor(p, timeout);
        if (!finished) {
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(10));
        }
        IOException failed = out.join();
        IOException failedErr = err.join();
        if (failed != null || failedErr != null) {
            p.destroyForcibly();
            throw failed != null ? failed : failedErr; // the receiver went away (a client that hung up)
        }
        return new Finished(finished ? p.exitValue() : -1, !finished);
    }

    /** Copies a stream to the receiver; a receiver that fails stops the copy and the command. */
    private static IOException pump(InputStream in, boolean stderr, io.vessel.kernel.api.ExecOutput output) {
        byte[] chunk = new byte[16384];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                output.write(stderr, chunk, n);
            }
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** The first {@code cap} bytes of a stream, and how many there were in all. */
    private static final class CappedBuffer {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final int cap;
        private long total;

        CappedBuffer(int cap) {
            this.cap = cap;
        }

        synchronized void write(byte[] data, int length) {
            int room = (int) Math.max(0, Math.min(length, cap - total));
            kept.write(data, 0, room);
            total += length;
        }

        boolean truncated() {
            return total > cap;
        }

        String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * An interactive command in the container on a terminal of {@code columns} x {@code rows}, as {@code runc exec
     * -t} in the foreground; see {@link PtyConsole}.
     */
    public io.vessel.kernel.api.VeConsole console(String id, List<String> argv, Map<String, String> env, int columns, int rows)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary, "--root", stateRoot.toString(), "exec", "--tty", "--cwd", "/"));
        for (Map.Entry<String, String> e : env.entrySet()) {
            cmd.add("--env");
            cmd.add(e.getKey() + "=" + e.getValue());
        }
        cmd.add(id);
        cmd.addAll(argv);
        return PtyConsole.start(cmd, columns, rows);
    }

    private ProcessBuilder command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary, "--root", stateRoot.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
    }

    private static Result exec(ProcessBuilder pb, byte[] stdin, Duration timeout) throws IOException {
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null && stdin.length > 0) {
                in.write(stdin);
            }
        } catch (IOException closedEarly) {
            // the command did not read its input
        }
        boolean finished = waitFor(p, timeout);
        if (!finished) {
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(10));
        }
        return new Result(finished ? p.exitValue() : -1, new String(out.join(), StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8), !finished);
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int exitOf(Process p) {
        return p.isAlive() ? -1 : p.exitValue();
    }

    private static void check(Result r, String what) throws IOException {
        if (r.exitCode != 0) {
            throw new IOException("runc " + what + " failed: " + (r.timedOut ? "timed out" : r.stderr.strip()));
        }
    }

    private static String tail(Path file, long from) {
        try {
            byte[] all = Files.readAllBytes(file);
            int start = (int) Math.min(from, all.length);
            String text = new String(all, start, all.length - start, StandardCharsets.UTF_8).strip();
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "";
        }
    }
}
