package io.vessel.backup.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.backup.api.BackupTarget;
import io.vessel.backup.api.Snapshot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Drives the {@code restic} command (Debian's 0.14) as the kernel layer drives runc: one process per call, the
 * repository password in its environment (never on a command line, which every user of the host can read), a
 * bounded cache directory of its own per repository, and a time limit after which the process is killed.
 *
 * <p>What 0.14 offers as JSON — {@code backup --json} (status and summary lines), {@code snapshots --json},
 * {@code stats --json} — is parsed; everything else it prints is text for the logs, never a basis for decisions.
 * Its exit codes: 0 done, 3 a backup that could not read some files (the snapshot exists but is incomplete),
 * anything else failed. A locked repository has no exit code of its own, which is why callers serialize every
 * operation on a repository themselves instead of relying on restic's locks.
 */
final class Restic {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Restic.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lines of restic's error output kept for the message of a failure. */
    private static final int TAIL = 20;

    /** What a backup did, from restic's summary line. */
    record Summary(String snapshotId, long filesNew, long filesChanged, long filesUnmodified, long dataAdded, long totalFiles, long totalBytes,
                   Duration took, boolean complete) {
    }

    /** How far a backup is, from restic's status lines. */
    record Progress(double fraction, long totalFiles, long filesDone, long totalBytes, long bytesDone, Long secondsRemaining) {
    }

    /** restic failed: its exit status and the end of what it said. */
    static final class ResticException extends IOException {
        private static final long serialVersionUID = 1L;
        final int exit;

        ResticException(String what, int exit, String said) {
            super(what + " failed (restic exit " + exit + ")" + (said.isBlank() ? "" : ": " + said.strip()));
            this.exit = exit;
        }
    }

    private final String binary;
    private final Path caches;
    private final Duration limit;

    /**
     * @param caches a directory of restic caches, one per repository below it (restic keeps its index there; a
     *               lost cache is rebuilt, so it is not backed up)
     */
    Restic(String binary, Path caches, Duration limit) {
        this(binary, caches, limit, 0);
    }

    /**
     * @param cpus how many CPUs one restic may keep busy ({@code GOMAXPROCS}; 0: all). restic also runs at a lower
     *             CPU priority and the lowest best-effort I/O priority, so tenants' own work goes first; the caps
     *             proper come from the cgroup {@link #confine} puts it in.
     */
    Restic(String binary, Path caches, Duration limit, int cpus) {
        this.binary = binary;
        this.caches = caches;
        this.limit = limit;
        this.cpus = cpus;
        this.keyHints = new java.util.concurrent.ConcurrentHashMap<>();
        this.live = null;
    }

    private Restic(Restic of) {
        this.binary = of.binary;
        this.caches = of.caches;
        this.limit = of.limit;
        this.cpus = of.cpus;
        this.keyHints = of.keyHints;
        this.confinement = of.confinement;
        this.live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    }

    /** The restic processes one caller started, when it may cancel them ({@link #forCall}); null: not kept. */
    private final java.util.Set<Process> live;
    private volatile boolean cancelled;

    /**
     * This restic for one caller that may have to end its work at once ({@link #cancel}): a node's work for a panel
     * that hung up, which must not go on writing to a repository the panel will unlock when it starts again.
     */
    Restic forCall() {
        return new Restic(this);
    }

    /** Kills the restic processes of this caller, and refuses to start more. */
    void cancel() {
        cancelled = true;
        if (live != null) {
            live.forEach(Process::destroyForcibly);
        }
    }

    private Process start(ProcessBuilder builder) throws IOException {
        if (cancelled) {
            throw new IOException("the work was cancelled");
        }
        Process process = builder.start();
        if (live != null) {
            live.add(process);
            process.onExit().thenRun(() -> live.remove(process));
            if (cancelled) {
                process.destroyForcibly();
            }
        }
        return process;
    }

    private final int cpus;

    /** The command prefix that starts a program in the backups' cgroup, made anew for each call; null: none. */
    private volatile java.util.function.Supplier<List<String>> confinement;

    /**
     * Runs every restic from now on in a cgroup (CPU and disk caps, killed as a whole after a crash): {@code prefix}
     * answers the command prefix that starts a program there, {@code [program, argv0, args...]} following it.
     */
    void confine(java.util.function.Supplier<List<String>> prefix) {
        this.confinement = prefix;
    }

    /** The program's absolute path (a cgroup's starter does not search {@code PATH}). */
    private String absoluteBinary() {
        if (binary.contains("/")) {
            return Path.of(binary).toAbsolutePath().toString();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, binary);
            if (Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath().toString();
            }
        }
        return binary;
    }

    /** Makes a repository (format 2: compressed) protected by {@code password}. */
    void init(BackupTarget.Repository repository, String password) throws IOException {
        run("init", repository, password, List.of("init", "--repository-version", "2"), line -> { });
    }

    /** Repository locations and the id of the key Vessel opens each with. */
    private final Map<String, String> keyHints;

    /**
     * Tells every later call on the repository at {@code location} which key opens it: restic tries a repository's
     * keys one by one, each costing a key derivation (half a second by design), unless told which to try first.
     */
    void hintKey(String location, String keyId) {
        if (keyId != null && keyId.matches("[0-9a-f]{8,64}")) {
            keyHints.put(location, keyId);
        }
    }

    /** The id of the key {@code password} opens the repository with. */
    String keyId(BackupTarget.Repository repository, String password) throws IOException {
        StringBuilder out = new StringBuilder();
        run("key list", repository, password, List.of("key", "list", "--json"), out::append);
        for (JsonNode key : parse(out.toString())) {
            if (key.path("current").asBoolean()) {
                return key.path("id").asText();
            }
        }
        throw new ResticException("key list", 0, "no key is marked as the one in use");
    }

    /**
     * Adds a second key (the provider's recovery key): whoever holds either password opens the repository, so a
     * tenant's backups can be restored with plain restic when the panel and its master key are lost.
     */
    void addKey(BackupTarget.Repository repository, String password, String newPassword) throws IOException {
        Path file = Files.createTempFile(caches, "key-", ".txt", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(file, newPassword);
            run("key add", repository, password, List.of("key", "add", "--new-password-file", file.toString()), line -> { });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Backs {@code source} up (a directory; restic records the path it is given, so callers give a stable one) and
     * answers restic's summary. A source that could not be read in part still makes a snapshot, marked incomplete.
     */
    Summary backup(BackupTarget.Repository repository, String password, Path source, String host, List<String> tags, Consumer<Progress> progress)
            throws IOException {
        return backup(repository, password, source, false, host, tags, progress);
    }

    /**
     * As {@link #backup(BackupTarget.Repository, String, Path, String, List, Consumer)}, reading also what is mounted
     * below {@code source} when {@code withMounts}: a view the kernel layer made of a VE's snapshot has the snapshots
     * of the subvolumes made inside the VE mounted in it (each its own device), and they belong to the VE's files.
     */
    Summary backup(BackupTarget.Repository repository, String password, Path source, boolean withMounts, String host, List<String> tags,
                   Consumer<Progress> progress) throws IOException {
        List<String> args = new ArrayList<>(List.of("backup", "--json", "--host", host, "--compression", "auto"));
        if (!withMounts) {
            args.add("--one-file-system");
        }
        for (String tag : tags) {
            args.add("--tag");
            args.add(tag);
        }
        // "." from inside the source: the snapshot's tree starts at the VE's root, so a restore (also with plain
        // restic, whose 0.14 cannot restore a sub-folder) puts the VE's files right into its target; restic still
        // records the absolute path, by which the next backup finds this one as its parent
        if (!Files.isDirectory(source)) {
            throw new ResticException("backup of " + source, -1, "there is no such directory");
        }
        args.add(".");
        Summary[] summary = new Summary[1];
        int exit = run("backup", repository, password, args, source, line -> {
            JsonNode message = parse(line);
            switch (message.path("message_type").asText()) {
                case "status" -> progress.accept(new Progress(message.path("percent_done").asDouble(), message.path("total_files").asLong(),
                        message.path("files_done").asLong(), message.path("total_bytes").asLong(), message.path("bytes_done").asLong(),
                        message.has("seconds_remaining") ? message.get("seconds_remaining").asLong() : null));
                case "summary" -> summary[0] = new Summary(message.path("snapshot_id").asText(), message.path("files_new").asLong(),
                        message.path("files_changed").asLong(), message.path("files_unmodified").asLong(), message.path("data_added").asLong(),
                        message.path("total_files_processed").asLong(), message.path("total_bytes_processed").asLong(),
                        Duration.ofMillis(Math.round(message.path("total_duration").asDouble() * 1000)), true);
                default -> { }
            }
        }, 3);
        if (summary[0] == null) {
            throw new ResticException("backup of " + source, exit, "no summary");
        }
        // 0.14's summary names the snapshot by its short id; the full one is what every later call should use
        Summary s = summary[0];
        String id = fullId(repository, password, s.snapshotId());
        return new Summary(id, s.filesNew(), s.filesChanged(), s.filesUnmodified(), s.dataAdded(), s.totalFiles(), s.totalBytes(), s.took(), exit != 3);
    }

    private String fullId(BackupTarget.Repository repository, String password, String shortId) throws IOException {
        if (shortId.length() == 64) {
            return shortId;
        }
        // a repository on a local path names each snapshot file by its full id: no second restic (a second key
        // derivation and index load, a second or more) to look it up
        if (!repository.location().contains(":") && shortId.matches("[0-9a-f]{8,63}")) {
            Path snapshots = Path.of(repository.location(), "snapshots");
            try (var files = Files.list(snapshots)) {
                List<String> found = files.map(f -> f.getFileName().toString()).filter(n -> n.length() == 64 && n.startsWith(shortId)).toList();
                if (found.size() == 1) {
                    return found.get(0);
                }
            } catch (IOException notReadable) {
                // restic is asked below
            }
        }
        StringBuilder out = new StringBuilder();
        run("snapshots", repository, password, List.of("snapshots", "--json", shortId), out::append);
        JsonNode found = parse(out.toString());
        if (found.size() != 1) {
            throw new ResticException("finding snapshot " + shortId, 0, "it is not in the repository");
        }
        return found.get(0).path("id").asText();
    }

    /** The repository's snapshots with all of {@code tags} (none: all), oldest first. */
    List<Snapshot> snapshots(BackupTarget.Repository repository, String password, List<String> tags) throws IOException {
        List<String> args = new ArrayList<>(List.of("snapshots", "--json"));
        if (!tags.isEmpty()) {
            args.add("--tag");
            args.add(String.join(",", tags)); // one --tag with a comma list: snapshots with all of them
        }
        StringBuilder out = new StringBuilder();
        run("snapshots", repository, password, args, out::append);
        List<Snapshot> snapshots = new ArrayList<>();
        for (JsonNode s : parse(out.toString())) {
            snapshots.add(new Snapshot(s.path("id").asText(), Instant.parse(s.path("time").asText()), s.path("hostname").asText(),
                    strings(s.path("paths")), strings(s.path("tags"))));
        }
        return snapshots;
    }

    /** Bytes the repository's packs take, as restic counts them ({@code stats --mode raw-data}). */
    long storedBytes(BackupTarget.Repository repository, String password) throws IOException {
        StringBuilder out = new StringBuilder();
        run("stats", repository, password, List.of("stats", "--json", "--mode", "raw-data"), out::append);
        return parse(out.toString()).path("total_size").asLong();
    }

    /**
     * Restores snapshot {@code snapshotId} into {@code target} (an empty directory). 0.14 reports no progress a
     * program can read, so callers watch the bytes written; any file it could not restore fails the restore (exit 1).
     */
    void restore(BackupTarget.Repository repository, String password, String snapshotId, Path target) throws IOException {
        run("restore", repository, password, List.of("restore", snapshotId, "--target", target.toString()), line -> { });
    }

    /** One entry of a directory in a snapshot, as {@code ls --json} describes it. */
    record Entry(String name, String type, String path, long size, String permissions, int uid, int gid, Instant modified) {
    }

    /** The entries directly in directory {@code dir} of a snapshot (its tree starts at the VE's root). */
    List<Entry> list(BackupTarget.Repository repository, String password, String snapshotId, String dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        run("ls", repository, password, List.of("ls", "--json", snapshotId, dir), line -> {
            JsonNode n = parse(line);
            if ("node".equals(n.path("struct_type").asText()) && !n.path("path").asText().equals(dir)) {
                entries.add(new Entry(n.path("name").asText(), n.path("type").asText(), n.path("path").asText(), n.path("size").asLong(),
                        n.path("permissions").asText(), n.path("uid").asInt(), n.path("gid").asInt(),
                        n.hasNonNull("mtime") ? Instant.parse(n.get("mtime").asText()) : null));
            }
        });
        return entries;
    }

    /**
     * Starts {@code restic dump} of {@code path} in a snapshot: a file's bytes, or a directory as a tar stream;
     * {@code compress} pipes it through {@code zstd}. The caller reads the last process's output and waits for all.
     */
    List<Process> dump(BackupTarget.Repository repository, String password, String snapshotId, String path, boolean compress) throws IOException {
        ProcessBuilder dump = builder(repository, password, List.of("dump", snapshotId, path), null);
        dump.redirectError(ProcessBuilder.Redirect.DISCARD);
        if (!compress) {
            return List.of(start(dump));
        }
        ProcessBuilder zstd = new ProcessBuilder("zstd", "-3", "-q", "-c").redirectError(ProcessBuilder.Redirect.DISCARD);
        return ProcessBuilder.startPipeline(List.of(dump, zstd));
    }

    /**
     * Checks the repository's structure and reads {@code readData} of its data ({@code "3/30"}: the third of thirty
     * slices; {@code "100%"}: all), verifying every blob read. Any damage fails with restic's exit status; 0.14 says
     * what it found only as text, kept for the message.
     */
    void check(BackupTarget.Repository repository, String password, String readData) throws IOException {
        List<String> args = new ArrayList<>(List.of("check"));
        if (readData.endsWith("%") || readData.contains("/")) {
            args.add("--read-data-subset");
            args.add(readData);
        }
        run("check", repository, password, args, line -> { });
    }

    /**
     * Removes the repository's locks. Only for a repository no restic can still be working on (after the panel's
     * start killed the ones a crash left): a lock removed under a live restic lets a second one in beside it.
     */
    void unlock(BackupTarget.Repository repository, String password) throws IOException {
        run("unlock", repository, password, List.of("unlock", "--remove-all"), line -> { });
    }

    private static final boolean SETPRIV = Files.isExecutable(Path.of("/usr/bin/setpriv"));
    private static final boolean NICE = Files.isExecutable(Path.of("/usr/bin/nice")) && Files.isExecutable(Path.of("/usr/bin/ionice"));

    /**
     * Applies a retention policy to the snapshots with all of {@code tags} (one VE's) and reclaims the space of those
     * it forgets; answers the ids of the snapshots with those tags that are left.
     */
    List<String> forget(BackupTarget.Repository repository, String password, List<String> tags, Retention keep) throws IOException {
        if (!keep.keepsAll()) {
            List<String> args = new ArrayList<>(List.of("forget", "--tag", String.join(",", tags), "--prune"));
            args.addAll(keep.options());
            run("forget", repository, password, args, line -> { });
        }
        return snapshots(repository, password, tags).stream().map(Snapshot::id).toList();
    }

    /** Forgets snapshots and reclaims the space only they held (prune: an exclusive lock on the repository meanwhile). */
    void forget(BackupTarget.Repository repository, String password, List<String> snapshotIds) throws IOException {
        List<String> args = new ArrayList<>(List.of("forget", "--prune"));
        args.addAll(snapshotIds);
        run("forget", repository, password, args, line -> { });
    }

    /** Runs restic; each line of its output goes to {@code lines}; answers the exit status (0, or one of {@code alsoFine}). */
    private int run(String what, BackupTarget.Repository repository, String password, List<String> args, Consumer<String> lines, int... alsoFine)
            throws IOException {
        return run(what, repository, password, args, null, lines, alsoFine);
    }

    private int run(String what, BackupTarget.Repository repository, String password, List<String> args, Path workingDirectory,
                    Consumer<String> lines, int... alsoFine) throws IOException {
        ProcessBuilder builder = builder(repository, password, args, workingDirectory);
        long started = System.nanoTime();
        Process process = start(builder);
        process.getOutputStream().close();
        Deque<String> said = new ArrayDeque<>();
        Thread errors = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    synchronized (said) {
                        said.addLast(line);
                        if (said.size() > TAIL) {
                            said.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "restic-stderr");
        errors.setDaemon(true);
        errors.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (!line.isBlank()) {
                    lines.accept(line);
                }
            }
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new ResticException(what, -1, "did not finish within " + limit.toMinutes() + " minutes");
            }
            errors.join(5000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + " interrupted");
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        int exit = process.exitValue();
        LOG.debug("restic ran what={} exit={} tookMs={}", what, exit, (System.nanoTime() - started) / 1_000_000);
        if (exit != 0 && java.util.Arrays.stream(alsoFine).noneMatch(ok -> ok == exit)) {
            String tail;
            synchronized (said) {
                tail = String.join("\n", said);
            }
            throw new ResticException(what, exit, tail.replace(password, "********"));
        }
        return exit;
    }

    /** restic for one call: the repository, its cache, the password in the environment only, dying with the panel. */
    private ProcessBuilder builder(BackupTarget.Repository repository, String password, List<String> args, Path workingDirectory) throws IOException {
        Path cache = caches.resolve(cacheName(repository.location()));
        Files.createDirectories(cache);
        List<String> command = new ArrayList<>();
        if (NICE) {
            command.addAll(List.of("nice", "-n", "10", "ionice", "-c", "2", "-n", "7"));
        }
        if (SETPRIV) {
            // dies with the panel: a kill -9 of the panel must not leave a restic writing to a repository
            command.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        }
        java.util.function.Supplier<List<String>> prefix = confinement;
        if (prefix != null) {
            command.addAll(prefix.get());
            command.addAll(List.of(absoluteBinary(), "restic"));
        } else {
            command.add(binary);
        }
        command.addAll(List.of("--repo", repository.location(), "--cache-dir", cache.toString()));
        String keyHint = keyHints.get(repository.location());
        if (keyHint != null) {
            command.addAll(List.of("--key-hint", keyHint));
        }
        command.addAll(repository.options());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("RESTIC_") || k.startsWith("AWS_") || k.startsWith("B2_"));
        env.putAll(repository.environment());
        env.put("RESTIC_PASSWORD", password);
        if (cpus > 0) {
            env.put("GOMAXPROCS", Integer.toString(cpus));
        }
        // Go's collector less often (every 400 % of growth instead of 100 %), with a soft ceiling so a large
        // repository's index does not grow the heap fivefold: a first backup of 1.5 GB, 52k files, took 3-7 % less
        // time in all of 5 alternated runs (docs/benchmarks.md, backup). restic 0.14 is built with Go 1.19, which
        // honours GOMEMLIMIT; a soft limit never fails a backup, it only collects more often near it.
        env.put("GOGC", "400");
        env.put("GOMEMLIMIT", "1GiB");
        env.put("RESTIC_PROGRESS_FPS", "1"); // one status line a second is plenty for progress
        return builder;
    }

    /** A cache directory's name for a repository: a digest of its location (locations may hold any character). */
    static String cacheName(String location) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(location.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            // not JSON: restic 0.14 prints some messages as text even with --json; they are for the logs only
            return JSON.createObjectNode();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
