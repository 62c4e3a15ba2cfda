package io.vessel.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The assembled distribution ({@code bin/vessel}) running as a separate process, with its own port, data,
 * log and plugin directories so tests can run side by side and never touch the distribution's own folders.
 */
final class PanelProcess implements AutoCloseable {

    static final Path DIST = Path.of(System.getProperty("vessel.dist", "target/vessel"));
    /**
     * The lock of test classes whose VEs get addresses: a VE's host-side interfaces are named by its id ({@code vh101},
     * {@code vi101}), one set per host, as a host runs one node. Two panels side by side each have a VE 101, so
     * such classes take turns (classes whose VEs have no address run beside them).
     */
    static final String VE_INTERFACES = "host interfaces of VEs with addresses";
    /**
     * {@link #DEBIAN_CACHE}, for classes whose panels build Debian templates: two debootstraps filling one cache
     * directory at once could each meet the other's half-copied package.
     */
    static final String DEBIAN_CACHE_LOCK = "the suite's debootstrap cache";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Path home;
    final Path dataDir;
    final Path pluginsDir;
    final Path logDir;
    final int port;
    /** The panel's HTTPS port (a free one per panel, so panels of parallel or leftover runs never collide). */
    final int httpsPort;
    private final Map<String, String> extraEnv;
    private final Path output;
    private Process process;
    private boolean keepHostState;

    PanelProcess(Path workDir, Map<String, String> extraEnv) {
        this(DIST, workDir, extraEnv);
    }

    PanelProcess(Path home, Path workDir, Map<String, String> extraEnv) {
        this.home = home;
        this.dataDir = workDir.resolve("data");
        this.pluginsDir = workDir.resolve("plugins");
        this.logDir = workDir.resolve("logs");
        this.output = workDir.resolve("console-" + System.nanoTime() + ".txt");
        this.port = freePort();
        this.httpsPort = freePort();
        this.extraEnv = extraEnv;
    }

    /** The first admin's password the tests start panels with (unless a test sets VESSEL_ADMIN_PASSWORD itself). */
    static final String ADMIN_PASSWORD = "Vessel-Test-Admin-1";
    /** The admin session every request carries, so tests speak to the API as the provider admin. */
    private volatile String session;

    /**
     * Starts the panel, waits until it prints its URL (fails with the console output if it exits instead) and logs
     * in as the first admin.
     */
    /** Drops a plugin jar into the plugins directory as a provider would: whole at once (a rename), never half-written. */
    void installPlugin(Path jar, String name) {
        try {
            Files.createDirectories(pluginsDir);
            Path part = pluginsDir.resolve(name + ".jar.part");
            Files.copy(jar, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, pluginsDir.resolve(name + ".jar"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The TestPay plugin of the tests (a payment gateway and a tax engine). */
    static final Path TESTPAY_PLUGIN = Path.of("target/test-plugins/vessel-testpay-plugin.jar");

    PanelProcess start() {
        if (server != null) {
            try {
                server.forwardLoopback(port); // its API at the host's 127.0.0.1:port, as for a panel on this host
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        launch();
        awaitOutput("is running at", Duration.ofSeconds(90));
        Response login = anonymous(HttpRequest.newBuilder(uri("/api/v1/auth/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}")));
        String cookie = login.header("Set-Cookie");
        session = login.status() == 200 && cookie != null ? cookie.substring(0, cookie.indexOf(';')) : null;
        return this;
    }

    /** Starts a node agent (server.role = node-agent): no web tier to log in to; ready once it prints its channel. */
    PanelProcess startAgent() {
        launch();
        awaitOutput("node agent is running", Duration.ofSeconds(90));
        return this;
    }

    /** Starts a node agent again after {@link #crash}: what the crash left is its to reconcile, and to clean up on close. */
    PanelProcess restartAgent() {
        keepHostState = false;
        return startAgent();
    }

    /** Starts the panel and returns its exit code, expecting it to give up by itself. */
    int startExpectingExit(Duration timeout) {
        launch();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("panel did not exit within " + timeout + "; output:\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** What a command printed (stdout and stderr together) and its exit code. */
    record Ran(int exitCode, String output) {
    }

    /**
     * Runs {@code bin/vessel} with {@code args} in this panel's installation and environment, as its own start would
     * see them (data directory, configuration file): e.g. {@code node join} before the node's first start.
     */
    Ran vessel(List<String> args) {
        List<String> command = new java.util.ArrayList<>(List.of(home.resolve("bin").resolve("vessel").toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(asItsUser(command)).redirectErrorStream(true);
        environment(pb.environment());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bin/vessel " + args + " did not end: " + printed);
            }
            return new Ran(p.exitValue(), printed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The user and group this process runs as; null: as the test (root). */
    private String[] runAs;

    /**
     * Runs this panel (and its {@code bin/vessel} commands) as {@code user}:{@code group} instead of root, as a panel of
     * {@code server.role = panel} runs: its data, plugins and log directories and its configuration file are its own.
     */
    PanelProcess runAs(String user, String group) {
        this.runAs = new String[] {user, group};
        try {
            for (Path dir : List.of(dataDir, pluginsDir, logDir)) {
                Files.createDirectories(dir);
                host("chown", "-R", user + ":" + group, dir.toString());
            }
            // the panel's own directory too: node join writes the configuration file through a new file beside it
            host("chown", user + ":" + group, dataDir.getParent().toString(), confWithBridge().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The server of its own this panel or node runs on (its own network and {@code /sys}); null: the host. */
    private NodeNetwork server;

    /** Runs this panel or node agent on a server of its own ({@link NodeNetwork}), not on the host's network. */
    PanelProcess on(NodeNetwork network) {
        this.server = network;
        return this;
    }

    /** {@code command} as this panel's user runs it, where it runs. */
    private List<String> asItsUser(List<String> command) {
        if (server != null) {
            List<String> onItsServer = server.prefix(command);
            command = onItsServer;
        }
        if (runAs == null) {
            return command;
        }
        List<String> wrapped = new java.util.ArrayList<>(List.of("setpriv", "--reuid=" + runAs[0], "--regid=" + runAs[1], "--clear-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private void launch() {
        ProcessBuilder pb = new ProcessBuilder(asItsUser(List.of(home.resolve("bin").resolve("vessel").toString())));
        environment(pb.environment());
        pb.redirectErrorStream(true);
        pb.redirectOutput(output.toFile());
        try {
            process = pb.start();
            LAUNCHED.add(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void environment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("VESSEL_"));
        env.put("VESSEL_HTTP_PORT", String.valueOf(port));
        env.put("VESSEL_HTTPS_PORT", String.valueOf(httpsPort));
        env.put("VESSEL_DATA_DIR", dataDir.toString());
        env.put("VESSEL_PLUGINS_DIR", pluginsDir.toString());
        env.put("VESSEL_LOG_DIR", logDir.toString());
        env.put("VESSEL_START_TIMEOUT", "60");
        env.put("VESSEL_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.putAll(extraEnv);
        env.put("VESSEL_CONF", confWithBridge().toString());
        if (runAs != null) {
            env.put("HOME", dataDir.toString()); // not root's
        }
    }

    /**
     * Every panel started in this run: one a failed test left running would go on acting on the host (its exit
     * watcher tearing down interfaces named like other tests' VEs, its LXCFS watch restarting LXCFS), so the run's
     * end kills whatever is still alive.
     */
    private static final java.util.Set<Process> LAUNCHED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LAUNCHED.stream().filter(Process::isAlive).forEach(Process::destroyForcibly),
                "kill-left-panels"));
    }

    void awaitOutput(String text, Duration timeout) {
        poll(timeout, () -> {
            if (!process.isAlive() && !output().contains(text)) {
                throw new AssertionError("panel exited with " + process.exitValue() + " before printing '" + text + "':\n" + output());
            }
            return output().contains(text);
        }, "panel to print '" + text + "'");
    }

    String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Prints every "Unhandled error" the panel logged, with its stack trace, to the test's output: a 500 in a test
     * names only a reference, and the panel's own log goes with its temporary directory.
     */
    private void reportUnhandledErrors() {
        List<String> lines = output().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("Unhandled error reference=")) {
                // the error and each cause, with the frames of Vessel's own code (the framework's are left out)
                List<String> shown = new java.util.ArrayList<>(List.of(lines.get(i)));
                for (int j = i + 1; j < lines.size() && j < i + 400 && !lines.get(j).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"); j++) {
                    String line = lines.get(j).strip();
                    if (!line.startsWith("at ") || line.startsWith("at io.vessel.")) {
                        shown.add(lines.get(j));
                    }
                }
                System.err.println("[panel " + port + "] " + String.join("\n[panel " + port + "] ", shown));
            }
        }
    }

    /**
     * Waits until operation {@code id} has ended and answers it. When time runs out the failure tells what the
     * operation said last and what the panel was doing (see {@link #whatItIsDoing}): CI keeps only the test's output.
     */
    JsonNode awaitOperation(String id, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        try {
            poll(timeout, () -> {
                Response answer = get("/api/v1/operations/" + id + "?wait=20"); // answers once finished
                last[0] = answer.json();
                if (!last[0].has("state")) {
                    throw new AssertionError("operation " + id + " was answered with " + answer);
                }
                return last[0].get("state").asText().matches("SUCCEEDED|FAILED");
            }, "operation " + id);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; it said last: " + last[0] + "\n" + whatItIsDoing(), e);
        }
        return last[0];
    }

    /**
     * What the panel is doing now, for a test that waited in vain: the processes it started (restic, runc, helpers),
     * its threads that are in Vessel's own code, and the end of its log.
     */
    String whatItIsDoing() {
        if (!isAlive()) {
            return "the panel is not running";
        }
        StringBuilder told = new StringBuilder("processes the panel started:\n");
        process.descendants().forEach(p -> told.append("  ").append(p.pid()).append(' ')
                .append(p.info().commandLine().orElse("?")).append('\n'));
        told.append("its threads in Vessel's code:\n");
        long jvm = java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()), process.descendants())
                .filter(p -> p.info().command().orElse("").endsWith("/java")).mapToLong(ProcessHandle::pid).findFirst().orElse(process.pid());
        for (String thread : host("jcmd", Long.toString(jvm), "Thread.print").split("\n\\s*\n")) {
            if (thread.contains("io.vessel.")) {
                told.append(thread.strip()).append("\n\n");
            }
        }
        List<String> log = output().lines().toList();
        told.append("the end of its log:\n").append(String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size())));
        return told.toString();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** {@code kill -9}: no shutdown hooks, no clean close of the database. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * A crash the test wants to recover from: {@code kill -9}, and on close leave the VEs and the pool as the
     * crash left them, for the next panel on the same data directory to find.
     */
    void crash() throws InterruptedException {
        kill9();
        keepHostState = true;
    }

    /** SIGTERM, as an init system would stop it; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return process.exitValue();
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Response post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A binary answer (a PDF, ...) as the logged-in admin; {@code headers} as name, value pairs. */
    java.net.http.HttpResponse<byte[]> download(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET().timeout(Duration.ofSeconds(60));
        if (session != null) {
            request.header("Cookie", session);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends as the logged-in admin. */
    Response send(HttpRequest.Builder request) {
        if (session != null) {
            request.header("Cookie", session);
        }
        return anonymous(request);
    }

    /** The id of what a {@code 201 Created} answer made; fails the test on any other answer. */
    static String createdId(Response created) {
        if (created.status() != 201) {
            throw new AssertionError("expected 201: " + created);
        }
        return created.json().get("id").asText();
    }

    /** Creates an account (as the admin) in {@code tenant}; returns its id. */
    String createAccount(String tenant, String username, String role, String password) {
        return createdId(post("/api/v1/accounts", "{\"tenantId\":\"" + tenant + "\",\"username\":\"" + username + "\",\"role\":\"" + role
                + "\",\"password\":\"" + password + "\"}"));
    }

    /** The admin this panel logged in as at its start, as a caller. */
    As admin() {
        return new As(this, "Cookie", session);
    }

    /** Logs in as another account; the session's requests carry that account's cookie only. */
    As login(String username, String password) {
        Response login = anonymous(HttpRequest.newBuilder(uri("/api/v1/auth/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}")));
        if (login.status() != 200) {
            throw new AssertionError("login as " + username + " failed: " + login);
        }
        String cookie = login.header("Set-Cookie");
        return new As(this, "Cookie", cookie.substring(0, cookie.indexOf(';')));
    }

    /** Requests as one account: with its session cookie or an API token. */
    record As(PanelProcess panel, String header, String value) {
        static As bearer(PanelProcess panel, String token) {
            return new As(panel, "Authorization", "Bearer " + token);
        }

        Response send(String method, String path, String json) {
            return send(method, path, json, "application/json");
        }

        Response send(String method, String path, String json, String contentType) {
            return send(method, path, json, contentType, DEFAULT_TIMEOUT);
        }

        Response send(String method, String path, String json, String contentType, Duration timeout) {
            HttpRequest.Builder b = HttpRequest.newBuilder(panel.uri(path)).header(header, value);
            if (json != null) {
                b.header("Content-Type", contentType);
            }
            b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            return panel.anonymous(b, timeout);
        }

        /** A request whose answer may take longer than the usual 30 s (a gigabyte of a command's output on a loaded host). */
        Response post(String path, String json, Duration timeout) {
            return send("POST", path, json, "application/json", timeout);
        }

        Response get(String path) {
            return send("GET", path, null);
        }

        Response post(String path, String json) {
            return send("POST", path, json);
        }
    }

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Sends without the admin's session. */
    Response anonymous(HttpRequest.Builder request) {
        return anonymous(request, DEFAULT_TIMEOUT);
    }

    Response anonymous(HttpRequest.Builder request, Duration timeout) {
        HttpRequest built = request.timeout(timeout).build();
        try {
            HttpResponse<String> r;
            try {
                r = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException slow) {
                if (!"GET".equals(built.method())) {
                    throw slow; // not sent again: the panel may still be doing what was asked (a command, an upload)
                }
                r = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (IOException staleConnection) {
                // the client reused a pooled connection the server had just closed: send once more on a new one
                r = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
            }
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    record Response(int status, String contentType, String body, Map<String, java.util.List<String>> headers) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    static void poll(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    /**
     * Where every test panel keeps debootstrap's downloads (kernel.debian.cache), so the suite fetches each Debian
     * package once.
     */
    static final Path DEBIAN_CACHE = Path.of("target/debootstrap-cache").toAbsolutePath();

    /**
     * A work directory for a panel that lives across a test class: like a real data directory's parent, passable
     * (never readable) for the VEs' mapped root users on their way to their roots.
     */
    static Path passableWorkDir(String prefix) {
        try {
            Path work = Files.createTempDirectory(prefix);
            Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            return work;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A vessel.conf in {@code work} that points the panel at {@link #DEBIAN_CACHE}, for VESSEL_CONF. */
    static Path confWithDebianCache(Path work) {
        try {
            return Files.writeString(work.resolve("vessel.conf"), "kernel.debian.cache = " + DEBIAN_CACHE + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ports handed out in this run: test classes run side by side, and the kernel may offer a just-closed port again. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Map<String, String> env(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /**
     * Kills the panel if still running and removes what it leaves on the host by design (VEs keep running and
     * the pool stays mounted when a panel stops): containers, the pool mount, the node's empty cgroups.
     */
    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            kill9();
        }
        reportUnhandledErrors();
        if (keepHostState) {
            return;
        }
        Path runcRoot = dataDir.resolve("run/runc");
        List<String> ports = portsOfBridge();
        removeNetwork();
        if (Files.isDirectory(runcRoot)) {
            for (String id : host("runc", "--root", runcRoot.toString(), "list", "-q").lines().filter(l -> !l.isBlank()).toList()) {
                host("runc", "--root", runcRoot.toString(), "delete", "--force", id);
            }
        }
        removeRuntimeRoot();
        Path pool = dataDir.resolve("storage/pool");
        if (host("cat", "/proc/self/mountinfo").contains(" " + pool + " ")) {
            host("umount", pool.toString());
        }
        try {
            Path nodeId = dataDir.resolve("node-id");
            if (Files.exists(nodeId)) {
                String node = Files.readString(nodeId).strip().substring(0, 8);
                for (String controller : new String[] {"memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "devices", "freezer", "systemd", "unified"}) {
                    Path dir = Path.of("/sys/fs/cgroup", controller, "vessel", node);
                    if (Files.isDirectory(dir)) {
                        try (var work = Files.newDirectoryStream(dir, "work-*")) { // the panel's own work groups (backups)
                            for (Path group : work) {
                                host("rmdir", group.toString());
                            }
                        }
                        host("rmdir", dir.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        removeLeftPorts(ports);
    }

    /** The node's runtime root: the VEs' root bind mounts (their containers are gone by now). */
    private void removeRuntimeRoot() {
        try {
            Path nodeId = dataDir.resolve("node-id");
            if (!Files.exists(nodeId)) {
                return;
            }
            Path runtime = Path.of("/run/vessel", Files.readString(nodeId).strip());
            if (Files.isDirectory(runtime.resolve("ves"))) {
                try (var ves = Files.list(runtime.resolve("ves"))) {
                    for (Path ve : ves.toList()) {
                        for (int i = 0; i < 5 && host("cat", "/proc/self/mountinfo").contains(" " + ve.resolve("rootfs") + " "); i++) {
                            host("umount", "-l", ve.resolve("rootfs").toString());
                        }
                        // rmdir, never rm -r: a mount still there must not have its VE's files deleted
                        host("rmdir", ve.resolve("rootfs").toString(), ve.toString());
                    }
                }
            }
            host("rm", "-rf", runtime.resolve("statfs").toString()); // sockets, pid files and logs of the VEs' statfs helpers only
            host("rmdir", runtime.resolve("ves").toString(), runtime.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The VE bridge and the nftables tables a panel leaves by design (the VEs' network outlives the panel): a test's
     * panel takes them along, so the next test starts from a clean host.
     */
    private static final java.util.regex.Pattern BRIDGE_SETTING = java.util.regex.Pattern.compile("(?m)^kernel\\.network\\.bridge\\s*=\\s*(\\S+)");

    /**
     * The configuration the panel starts with: the test's own ({@code VESSEL_CONF}), naming a bridge of this data
     * directory's own where the test names none. Test classes run side by side, and two panels on one bridge would
     * take each other's rules and addresses away.
     */
    private Path confWithBridge() {
        try {
            String given = extraEnv.get("VESSEL_CONF");
            Path conf = given != null ? Path.of(given) : dataDir.resolveSibling("vessel-test.conf");
            String text = Files.exists(conf) ? Files.readString(conf) : "";
            if (!BRIDGE_SETTING.matcher(text).find()) {
                Files.writeString(conf, text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + "kernel.network.bridge = " + bridge() + "\n");
            }
            return conf;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bridge this panel's VEs are on: the test's, or one named after the data directory (the same across restarts). */
    String bridge() {
        String conf = extraEnv.get("VESSEL_CONF");
        try {
            java.util.regex.Matcher m = BRIDGE_SETTING.matcher(conf != null && Files.exists(Path.of(conf)) ? Files.readString(Path.of(conf)) : "");
            if (m.find()) {
                return m.group(1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "vt" + Integer.toHexString(dataDir.toAbsolutePath().toString().hashCode() & 0xfffffff);
    }

    /** The VEs' host interfaces on this panel's bridge ({@code vh<id>}; on this host, not on a server of the test's). */
    private List<String> portsOfBridge() {
        Path ports = Path.of("/sys/class/net", bridge(), "brif");
        if (server != null || !Files.isDirectory(ports)) {
            return List.of();
        }
        try (var names = Files.list(ports)) {
            return names.map(port -> port.getFileName().toString()).filter(name -> name.startsWith("vh")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * A VE's host interface goes with its network namespace, and a deleted container's namespace can outlive it by
     * minutes: a TCP connection the VE had open (PanelRestartIT's, into a forwarded port) lingers as an orphan socket
     * of that namespace, and with it the interface, off any bridge once the test's bridge is gone. The next class's VE
     * of the same id then met an interface of its name (CI: DispatchIT's VE got no eth0). The panel now takes such a
     * leftover over; the test removes it at once anyway, with the shaping device of the same VE ({@code vi<id>}),
     * which the VEs' network leaves by design when the panel stops.
     */
    private static void removeLeftPorts(List<String> ports) {
        for (String port : ports) {
            for (String device : List.of(port, "vi" + port.substring(2))) {
                if (Files.exists(Path.of("/sys/class/net", device))) {
                    host("ip", "link", "del", device);
                }
            }
        }
    }

    private void removeNetwork() {
        String bridge = bridge();
        // the VEs' DNS resolver of this bridge runs detached from the panel by design; a test's panel takes it along
        Path pid = Path.of("/run/vessel/dnsmasq-" + bridge + ".pid");
        try {
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroy);
                Files.deleteIfExists(pid);
                Files.deleteIfExists(pid.resolveSibling("dnsmasq-" + bridge + ".conf"));
            }
        } catch (IOException | NumberFormatException e) {
            // gone already
        }
        String tables = host("nft", "list", "tables");
        for (String table : List.of("bridge vessel-" + bridge, "inet vessel-host-" + bridge, "ip vessel-nat-" + bridge, "ip6 vessel-nat-" + bridge)) {
            if (tables.contains("table " + table + "\n")) {
                host(("nft delete table " + table).split(" "));
            }
        }
        if (host("ip", "link", "show", "dev", bridge).contains(bridge + ":")) {
            host("ip", "link", "del", bridge);
        }
    }

    static String host(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
