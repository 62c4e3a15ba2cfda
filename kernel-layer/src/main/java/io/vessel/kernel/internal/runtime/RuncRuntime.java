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
 * <p>With a {@link Monitor}, every VE is created under its own monitor process ({@code conmon}, the one Podman
 * uses): it runs {@code runc create}, daemonizes, and stays the init's parent and subreaper for the VE's whole
 * life. It holds the init's standard output and error (pipes, so no host path shows in the VE's {@code /proc}),
 * writes them to a log capped in size, and records the init's exit status in the exit directory. The panel is
 * neither the VE's parent nor at the other end of its pipes: a panel restart or crash sends no SIGPIPE or
 * SIGHUP into a VE, and a VE that ends while the panel is down is found in the exit directory.
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

    /**
     * The per-VE monitor: the {@code conmon} binary, the directory its exit files go to, and the most a VE's console
     * log may hold.
     */
    public record Monitor(Path conmon, Path exitDir, long logSizeMax) {
    }

    private final String binary;
    private final Path stateRoot;
    private final Monitor monitor;

    public RuncRuntime(String binary, Path stateRoot) throws IOException {
        this(binary, stateRoot, null);
    }

    public RuncRuntime(String binary, Path stateRoot, Monitor monitor) throws IOException {
        this.binary = binary;
        this.stateRoot = Files.createDirectories(stateRoot);
        this.monitor = monitor;
        if (monitor != null) {
            Files.createDirectories(monitor.exitDir());
        }
    }

    /** Where monitors record how containers' inits ended; null without a monitor. */
    public Path exitDirectory() {
        return monitor == null ? null : monitor.exitDir();
    }

    /** Where the monitor records how container {@code id}'s init ended; null without a monitor. */
    public Path exitFile(String id) {
        return monitor == null ? null : monitor.exitDir().resolve(id);
    }

    /** The init's exit status the monitor recorded (128 + n: killed by signal n), if it has ended. */
    public java.util.OptionalInt exitStatus(String id) {
        Path file = exitFile(id);
        try {
            String text = file == null || !Files.exists(file) ? "" : Files.readString(file).strip();
            return text.isEmpty() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(Integer.parseInt(text));
        } catch (IOException | NumberFormatException e) {
            return java.util.OptionalInt.empty();
        }
    }

    /** Forgets a recorded exit, before the container is started again. */
    public void forgetExit(String id) throws IOException {
        Path file = exitFile(id);
        if (file != null) {
            Files.deleteIfExists(file);
        }
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
        if (monitor != null) {
            createMonitored(id, bundleDir);
            if (verb.equals("run")) {
                start(id);
            }
            return;
        }
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

    /**
     * {@code runc create} under a new conmon, which daemonizes and stays. conmon reports the init's pid, or the
     * runtime's error, on a "sync pipe" it is given as a descriptor number ({@code _OCI_SYNCPIPE}); a Java child
     * inherits no extra descriptors, so the pipe is a FIFO that a shell opens as descriptor 3 before it becomes
     * conmon. The FIFO lives in the panel's own run directory.
     */
    private void createMonitored(String id, Path bundleDir) throws IOException {
        forgetExit(id);
        Path sync = bundleDir.resolve("sync");
        Files.deleteIfExists(sync);
        io.vessel.kernel.internal.linux.LibC.INSTANCE.mkfifo(sync.toString(), 0600);
        Files.createDirectories(bundleDir.resolve("conmon")); // conmon exits without a word when it is missing; it links itself to
        // the bundle there and makes its attach socket at bundle/attach
        try {
            List<String> conmon = List.of(monitor.conmon().toString(), "--api-version", "1", "-c", id, "-u", id, "-n", id, "-r", binaryPath(),
                    "-b", bundleDir.toString(), "-p", bundleDir.resolve("init.pid").toString(),
                    "-P", bundleDir.resolve("conmon.pid").toString(),
                    "-l", "k8s-file:" + bundleDir.resolve("console.log"), "--log-size-max", String.valueOf(monitor.logSizeMax()),
                    "--exit-dir", monitor.exitDir().toString(), "--socket-dir-path", bundleDir.resolve("conmon").toString(),
                    "--runtime-arg", "--root", "--runtime-arg", stateRoot.toString(), "--no-new-keyring", "--no-sync-log");
            // the FIFO is opened first, so a scope that cannot be made still closes it (the reader ends, the error is in
            // monitor.log) instead of leaving the reader waiting
            List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec 3>\"$0\"; exec \"$@\"", sync.toString()));
            cmd.addAll(io.vessel.kernel.internal.linux.SystemdScope.around(id + "-monitor", "Vessel: monitor of " + id + " (runc root "
                    + stateRoot + ")", conmon));
            Path monitorLog = bundleDir.resolve("monitor.log");
            Files.deleteIfExists(monitorLog);
            ProcessBuilder pb = withoutServiceManager(new ProcessBuilder(cmd));
            pb.environment().put("_OCI_SYNCPIPE", "3");
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(ProcessBuilder.Redirect.to(monitorLog.toFile()));
            Process p = pb.start();
            CompletableFuture<String> report = new CompletableFuture<>();
            Thread reader = new Thread(() -> report.complete(readSyncMessage(sync)), "vessel-conmon-sync-" + id);
            reader.setDaemon(true);
            reader.start();
            String answer;
            try {
                answer = report.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
                releaseReader(sync);
                throw new IOException("creating " + id + " under its monitor timed out");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                releaseReader(sync);
                throw new IOException("interrupted while creating " + id);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("creating " + id + " failed: " + e.getCause());
            }
            waitFor(p, Duration.ofSeconds(10)); // conmon's first process exits once it has forked the monitor
            JsonNode node = answer.isBlank() ? null : JSON.readTree(answer);
            if (node == null || node.path("data").asInt(-1) <= 0) {
                String message = node == null ? "conmon reported nothing (exit " + exitOf(p) + ")" + said(monitorLog)
                        : node.path("message").asText("unknown error");
                throw new IOException("runc create " + id + " failed: " + message.strip());
            }
        } finally {
            Files.deleteIfExists(sync);
        }
    }

    /**
     * conmon's first JSON object on the sync FIFO: {@code {"data": <pid>}}, or {@code {"data": -1, "message": …}}. Read
     * up to the end of that object (conmon may keep its end open), at most 64 KiB.
     */
    private static String readSyncMessage(Path sync) {
        StringBuilder text = new StringBuilder();
        try (InputStream in = Files.newInputStream(sync)) { // a FIFO: the open waits for conmon's end
            int b;
            while ((b = in.read()) >= 0 && text.length() < 65536) {
                text.append((char) b);
                if (b == '}') {
                    try {
                        JSON.readTree(text.toString());
                        break;
                    } catch (IOException incomplete) {
                        // a brace inside the message: read on
                    }
                }
            }
        } catch (IOException e) {
            // nothing more
        }
        return text.toString().strip();
    }

    /** Opens the FIFO's write end once, so a reader still waiting in open() returns. */
    private static void releaseReader(Path sync) {
        try {
            int fd = io.vessel.kernel.internal.linux.LibC.INSTANCE.open(sync.toString(),
                    io.vessel.kernel.internal.linux.LibC.O_WRONLY | io.vessel.kernel.internal.linux.LibC.O_NONBLOCK);
            io.vessel.kernel.internal.linux.LibC.INSTANCE.close(fd);
        } catch (com.sun.jna.LastErrorException noReader) {
            // nobody waits
        }
    }

    /** What the monitor's starter wrote before it became conmon (a scope systemd refused, say), for an error message. */
    private static String said(Path log) {
        try {
            String text = Files.exists(log) ? Files.readString(log).strip() : "";
            return text.isEmpty() ? "" : ": " + text.substring(0, Math.min(text.length(), 500));
        } catch (IOException e) {
            return "";
        }
    }

    /** conmon needs the runtime as a path. */
    private String binaryPath() {
        if (binary.contains("/")) {
            return binary;
        }
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(dir, binary))) {
                return dir + "/" + binary;
            }
        }
        return binary;
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

    /**
     * The state of every container in this panel's state root, from one {@code list --format json}: at panel start
     * a node with hundreds of VEs would otherwise start the runtime once per VE (about 10 ms each).
     */
    public java.util.Map<String, State> states() throws IOException {
        Result r = exec(command("list", "--format", "json"), null, Duration.ofSeconds(60));
        if (r.exitCode != 0) {
            throw new IOException("runc list failed: " + r.stderr.strip());
        }
        java.util.Map<String, State> states = new java.util.HashMap<>();
        JsonNode all = JSON.readTree(r.stdout.isBlank() ? "null" : r.stdout); // runc prints null when there is none
        if (all != null && all.isArray()) {
            for (JsonNode c : all) {
                states.put(c.path("id").asText(), new State(c.path("status").asText(), c.path("pid").asInt()));
            }
        } else if (all != null && !all.isNull()) {
            throw new IOException("runc list printed no list: " + r.stdout.strip());
        }
        return states;
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
        boolean finished = feedAndWait(p, stdin, timeout);
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
        return withoutServiceManager(new ProcessBuilder(cmd));
    }

    /**
     * Under systemd ({@code Type=notify}) this process has {@code NOTIFY_SOCKET}; runc and crun take it as the
     * container's own (they pass a socket into it, and {@code start} then waits for the container to say READY=1,
     * which a VE never does: every start timed out). The panel's socket is the panel's, not its VEs'.
     */
    static ProcessBuilder withoutServiceManager(ProcessBuilder pb) {
        pb.environment().keySet().removeAll(java.util.Set.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"));
        return pb;
    }

    private record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
    }

    private static Result exec(ProcessBuilder pb, byte[] stdin, Duration timeout) throws IOException {
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        boolean finished = feedAndWait(p, stdin, timeout);
        return new Result(finished ? p.exitValue() : -1, new String(out.join(), StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8), !finished);
    }

    /** Writes {@code stdin} and closes it, then waits until the deadline; a process still running then is killed. */
    private static boolean feedAndWait(Process p, byte[] stdin, Duration timeout) {
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
        return finished;
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
