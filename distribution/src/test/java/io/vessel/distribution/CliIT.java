package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * vesselctl against the assembled panel, as a provider uses it from a shell: root on the host through the panel's
 * local socket without a token, another user with one, over HTTPS trusting the self-signed certificate by its
 * fingerprint, {@code ve enter} in a real pseudo-terminal, and the exit codes scripts branch on. JSON output is
 * compared with what the API itself answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class CliIT {

    static final Path VESSELCTL = PanelProcess.DIST.resolve("bin/vesselctl");

    private Path work;
    private PanelProcess panel;
    private String socket;
    private String bridge;

    /** A vesselctl run: its exit status and what it printed. */
    record Run(int code, String out, String err) {
        JsonNode json() {
            try {
                return PanelProcess.JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    @BeforeAll
    void startPanel() throws Exception {
        work = PanelProcess.passableWorkDir("vessel-cli");
        bridge = "vcl" + (System.nanoTime() % 100000);
        // the group that may connect to the socket: nobody's own, so the test needs no group of its own on the host
        Path conf = Files.writeString(work.resolve("vessel.conf"), "kernel.network.bridge = " + bridge + "\nlocal.socket.group = nogroup\n"
                + "plugins.upload = true\nplugins.signature = off\n");
        panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start();
        String node = panel.get("/api/v1/nodes").json().get(0).at("/node/id").asText();
        socket = "/run/vessel/" + node + "/panel.sock";
    }

    @AfterAll
    void stopPanel() throws Exception {
        try {
            if (panel != null) {
                panel.close();
            }
        } finally {
            PanelProcess.host("ip", "link", "del", bridge);
            PluginsIT.deleteTree(work);
        }
    }

    @Test
    void rootOnTheHostManagesVesWithoutAToken() throws Exception {
        assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.43.0/24\",\"mode\":\"NAT\"}").status());
        Run created = root("ve", "create", "--template", "busybox", "--hostname", "shell", "--memory", "256M", "--disk", "1G", "--ip-pool", "lan",
                "--start", "-o", "json");
        assertEquals(0, created.code(), created.toString());
        int ve = created.json().get("id").asInt();
        JsonNode api = panel.get("/api/v1/ves/" + ve).json();
        assertEquals("RUNNING", api.get("state").asText(), "created and started: " + api);
        assertEquals(256L << 20, api.at("/limits/memoryBytes").asLong());
        assertEquals(1L << 30, api.at("/limits/diskBytes").asLong());

        // the list is the API's list, as JSON, as ids, and as a table
        Run listed = root("ve", "list", "-o", "json");
        assertEquals(ids(panel.get("/api/v1/ves").json()), ids(listed.json()), listed.toString());
        Set<Integer> quiet = new HashSet<>();
        root("ve", "list", "-q").out().lines().forEach(line -> quiet.add(Integer.parseInt(line)));
        assertEquals(ids(panel.get("/api/v1/ves").json()), quiet, "ids, one per line");
        Run table = root("ve", "list");
        assertTrue(table.out().startsWith("ID") && table.out().contains("RUNNING") && table.out().contains("256M"), table.toString());
        Run yaml = root("ve", "show", String.valueOf(ve), "-o", "yaml");
        assertTrue(yaml.out().contains("hostname: shell"), yaml.toString());

        // limits changed live
        Run set = root("ve", "set", String.valueOf(ve), "--memory", "512M", "--cpus", "1.5", "-o", "json");
        assertEquals(0, set.code(), set.toString());
        assertEquals(512L << 20, panel.get("/api/v1/ves/" + ve).json().at("/limits/memoryBytes").asLong());
        assertEquals(1.5, panel.get("/api/v1/ves/" + ve).json().at("/limits/cpus").asDouble());

        // a command's output streams, and its exit status is vesselctl's
        Run exec = root("ve", "exec", String.valueOf(ve), "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals(7, exec.code(), exec.toString());
        assertEquals("out\n", exec.out());
        assertTrue(exec.err().contains("err"), exec.toString());
        Run big = root("ve", "exec", String.valueOf(ve), "--", "sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x");
        assertEquals(0, big.code());
        assertEquals(3_000_000, big.out().length(), "more than the buffered exec's cap, streamed whole");

        // exit codes: not found, usage, refused
        assertEquals(3, root("ve", "show", "9999").code());
        Run unknown = root("ve", "frobnicate");
        assertEquals(2, unknown.code(), unknown.toString());
        Run badSize = root("ve", "set", String.valueOf(ve), "--memory", "lots");
        assertEquals(2, badSize.code());
        assertTrue(badSize.err().contains("--memory: \"lots\" is not a size"), badSize.toString());
        Run stopped = root("ve", "stop", String.valueOf(ve));
        assertEquals(0, stopped.code(), stopped.toString());
        assertEquals("STOPPED", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
        Run notRunning = root("ve", "exec", String.valueOf(ve), "--", "true");
        assertEquals(4, notRunning.code(), "a stopped VE runs nothing: " + notRunning);

        // the audit log names root on the host
        JsonNode audit = panel.get("/api/v1/audit?limit=50").json();
        boolean byRoot = false;
        for (JsonNode entry : audit) {
            byRoot |= "root@host".equals(entry.path("actor").asText()) && "local:root".equals(entry.path("sourceIp").asText());
        }
        assertTrue(byRoot, "changes through the socket are root@host's: " + audit);

        // the other nouns answer what the API answers
        assertEquals(names(panel.get("/api/v1/templates").json()), names(root("template", "list", "-o", "json").json()));
        assertEquals("lan", root("ip-pool", "list", "-q").out().strip());
        Run tenant = root("tenant", "create", "Scripted Customer", "-o", "json");
        assertEquals("CUSTOMER", tenant.json().get("kind").asText(), tenant.toString());
        assertEquals(200, panel.get("/api/v1/tenants/" + tenant.json().get("id").asText()).status());
        Run operations = root("operation", "list", "-o", "json");
        assertTrue(operations.json().size() >= 3, "create, start, stop: " + operations);
        String firstOperation = operations.json().get(0).get("id").asText();
        assertEquals(0, root("operation", "wait", firstOperation).code());
        JsonNode local = root("node", "show", "-o", "json").json();
        assertTrue(local.get("local").asBoolean());
        String node = local.at("/node/id").asText();
        // a single server: moving a VE to the node it is on, or draining the only node, is refused with the reason
        Run here = root("ve", "migrate", String.valueOf(ve), "--node", node);
        assertEquals(4, here.code(), here.toString());
        assertTrue(here.err().contains("already"), here.toString());
        Run alone = root("node", "drain", node);
        assertEquals(4, alone.code(), alone.toString());
        assertTrue(alone.err().contains("No other node"), alone.toString());
        assertEquals(2, root("ve", "migrate", String.valueOf(ve)).code(), "--node is required");
        assertEquals(0, root("plugin", "list").code());
        Run destroyed = root("ve", "destroy", String.valueOf(ve));
        assertEquals(0, destroyed.code(), destroyed.toString());
        assertEquals(404, panel.get("/api/v1/ves/" + ve).status());
        assertEquals(5, root("operation", "wait", failedOperation()).code(), "a failed operation is exit 5");
    }

    /** An operation that failed: a VE made from a template that breaks at start. */
    private String failedOperation() throws Exception {
        Run created = root("ve", "create", "--template", "busybox", "--hostname", "broken", "-o", "json");
        int ve = created.json().get("id").asInt();
        // its init is gone: starting it fails
        assertEquals(0, root("ve", "start", String.valueOf(ve)).code());
        assertEquals(0, root("ve", "exec", String.valueOf(ve), "--", "rm", "-f", "/sbin/init").code());
        assertEquals(0, root("ve", "kill", String.valueOf(ve)).code());
        Run start = root("ve", "start", String.valueOf(ve), "--no-wait", "-o", "json");
        String operation = start.json().get(0).get("id").asText();
        Run waited = root("operation", "wait", operation);
        assertEquals(5, waited.code(), waited.toString());
        root("ve", "destroy", String.valueOf(ve));
        return operation;
    }

    /** The verbs the first test does not reach, each against what the API then says. */
    @Test
    void everyOtherVerbDoesWhatTheApiSays() throws Exception {
        int ve = root("ve", "create", "-t", "busybox", "--hostname", "verbs", "--start", "-o", "json").json().get("id").asInt();
        String id = String.valueOf(ve);
        assertEquals(0, root("ve", "restart", id).code());
        assertEquals(0, root("ve", "suspend", id).code());
        assertEquals("SUSPENDED", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
        assertEquals(0, root("ve", "resume", id).code());
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
        // the usage the accounting sweep sampled last (every 10 s): "none yet" is exit 3 until the first
        PanelProcess.poll(Duration.ofSeconds(30), () -> {
            try {
                return root("ve", "usage", id).code() == 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "a usage sample");
        Run usage = root("ve", "usage", id, "-o", "json");
        assertEquals(ve, usage.json().get("veId").asInt(), usage.toString());
        assertTrue(usage.json().get("memoryBytes").asLong() > 0, usage.toString());
        Path password = Files.writeString(work.resolve("ve-password.txt"), "Root-Password-9\n");
        Run changed = run(List.of(VESSELCTL.toString(), "--socket", socket, "ve", "password", id, "--stdin"), password);
        assertEquals(0, changed.code(), changed.toString());
        assertTrue(root("ve", "exec", id, "--", "cat", "/etc/shadow").out().contains("root:$"), "a hashed password for root");
        String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHvm4pGq0iGAgvbf8TaxQy2iF0DxkPvZ4YQ0KXyqWcxd cli@test";
        Run added = root("ve", "ssh-key", "add", id, key, "-o", "json");
        assertEquals(0, added.code(), added.toString());
        String keyId = added.json().get("id").asText();
        assertEquals(keyId, root("ve", "ssh-key", "list", id, "-q").out().strip());
        assertEquals(0, root("ve", "ssh-key", "remove", id, keyId).code());
        assertEquals(0, panel.get("/api/v1/ves/" + ve + "/ssh-keys").json().size());
        assertEquals(4, root("ve", "reinstall", id).code(), "a running VE is not reinstalled");
        assertEquals(0, root("ve", "stop", id).code());
        Run reinstalled = root("ve", "reinstall", id);
        assertEquals(0, reinstalled.code(), reinstalled.toString());
        assertEquals(0, root("ve", "start", id).code());

        // backups: made, listed, a file put back, deleted
        assertEquals(0, root("ve", "exec", id, "--", "sh", "-c", "echo precious > /root/note").code());
        Run backup = root("backup", "create", id, "--note", "from the shell", "-o", "json");
        assertEquals(0, backup.code(), backup.toString());
        String backupId = backup.json().get("id").asText();
        assertEquals(backupId, root("backup", "list", "--ve", id, "-q").out().strip());
        assertEquals(0, root("ve", "exec", id, "--", "rm", "/root/note").code());
        Run restored = root("backup", "restore", id, backupId, "--path", "/root/note");
        assertEquals(0, restored.code(), restored.toString());
        assertEquals("precious\n", root("ve", "exec", id, "--", "cat", "/root/note").out());
        assertEquals(0, root("backup", "delete", id, backupId).code());
        assertEquals(0, panel.get("/api/v1/ves/" + ve + "/backups").json().size());
        assertEquals(0, root("ve", "destroy", "--force", id).code());

        // templates: imported from a tarball, shown, retired and offered again
        Path rootfs = Files.createDirectories(work.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        Files.createSymbolicLink(rootfs.resolve("sh"), Path.of("busybox"));
        Files.writeString(Files.createDirectories(work.resolve("rootfs/etc")).resolve("os-release"), "PRETTY_NAME=\"Shell Linux\"\n");
        Path tarball = work.resolve("rootfs.tar.gz");
        PanelProcess.host("tar", "--numeric-owner", "-C", work.resolve("rootfs").toString(), "-czf", tarball.toString(), ".");
        Run imported = root("template", "import", "shelled", tarball.toString(), "--init", "/bin/sh", "-o", "json");
        assertEquals(0, imported.code(), imported.toString());
        assertEquals("READY", root("template", "show", "shelled", "-o", "json").json().get(0).get("state").asText());
        assertEquals(0, root("template", "retire", "shelled").code());
        assertTrue(panel.get("/api/v1/templates/shelled").json().get(0).get("retired").asBoolean());
        assertEquals(0, root("template", "retire", "shelled", "--undo").code());

        // IP pools, accounts, tokens
        String here = NodeHealthIT.localNode(panel);
        assertEquals(0, root("ip-pool", "create", "spare", "10.231.48.0/24", "--mode", "NAT", "--nodes", here).code());
        assertEquals("10.231.48.0/24", root("ip-pool", "show", "spare", "-o", "json").json().get("cidr").asText());
        assertEquals(here, root("ip-pool", "show", "spare", "-o", "json").json().get("nodes").get(0).asText(), "the nodes its network reaches");
        assertEquals(0, root("ip-pool", "delete", "spare").code());
        assertEquals(404, panel.get("/api/v1/ip-pools/spare").status());
        String tenant = root("tenant", "create", "Verbs Ltd", "-o", "json").json().get("id").asText();
        Path accountPassword = Files.writeString(work.resolve("account-password.txt"), "Verbs-Password-1\n");
        Run account = run(List.of(VESSELCTL.toString(), "--socket", socket, "account", "create", "verbsowner", "--tenant", tenant, "--role",
                "customer-owner", "--password-stdin", "-o", "json"), accountPassword);
        assertEquals(0, account.code(), account.toString());
        assertEquals(200, panel.login("verbsowner", "Verbs-Password-1").get("/api/v1/me").status(), "the account logs in");
        assertEquals(0, root("account", "delete", account.json().get("id").asText()).code());
        assertEquals(0, root("tenant", "delete", tenant).code());
        Run token = root("token", "create", "scripted", "--permissions", "ve.read", "-o", "json");
        assertTrue(token.json().get("secret").asText().startsWith("vsl_"), token.toString());
        String tokenId = token.json().at("/token/id").asText();
        assertTrue(root("token", "list", "-q").out().contains(tokenId));
        assertEquals(0, root("token", "revoke", tokenId).code());
        boolean revoked = false;
        for (JsonNode listed : root("token", "list", "-o", "json").json()) {
            revoked |= listed.get("id").asText().equals(tokenId) && listed.hasNonNull("revokedAt");
        }
        assertTrue(revoked, "listed as revoked");

        // plugins: installed from a jar, disabled, enabled, removed
        Run installed = root("plugin", "install", HotDeployIT.PLUGIN.toAbsolutePath().toString(), "-o", "json");
        assertEquals(0, installed.code(), installed.toString());
        String plugin = installed.json().get("name").asText();
        assertEquals(0, root("plugin", "disable", plugin).code());
        assertEquals("DISABLED", panel.get("/api/v1/plugins/" + plugin).json().get("state").asText());
        assertEquals(0, root("plugin", "enable", plugin).code());
        assertEquals(0, root("plugin", "remove", plugin).code());
        assertEquals(404, panel.get("/api/v1/plugins/" + plugin).status());

        // billing: read as the API answers it
        assertEquals(0, root("billing", "plans").code());
        assertEquals(panel.get("/api/v1/billing/invoices").json().size(), root("billing", "invoices", "-o", "json").json().size());
    }

    @Test
    void anotherUserOnTheHostNeedsAToken() throws Exception {
        String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Shell Customer\",\"kind\":\"CUSTOMER\"}"));
        int own = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"own\",\"owner\":\"" + customer + "\"}");
        int others = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"others\"}");
        panel.createAccount(customer, "shellowner", "customer-owner", "Shell-Password-1");
        PanelProcess.As owner = panel.login("shellowner", "Shell-Password-1");
        String token = owner.post("/api/v1/me/tokens", "{\"name\":\"cli\",\"permissions\":[\"ve.read\",\"ve.power\"]}").json().get("secret").asText();

        Run anonymous = as("nobody", List.of(), "ve", "list");
        assertEquals(4, anonymous.code(), "uid 65534 without a token: " + anonymous);
        assertTrue(anonymous.err().contains("Not logged in") || anonymous.err().contains("Log in"), anonymous.toString());
        Run withToken = as("nobody", List.of("--token", token), "ve", "list", "-o", "json");
        assertEquals(0, withToken.code(), withToken.toString());
        assertEquals(Set.of(own), ids(withToken.json()), "the customer's own VE only, not VE " + others);
        assertEquals(3, as("nobody", List.of("--token", token), "ve", "show", String.valueOf(others)).code(), "another tenant's VE does not exist");
        assertEquals(4, as("nobody", List.of("--token", token), "ve", "destroy", String.valueOf(own)).code(), "outside the token's scope");
    }

    @Test
    void enterIsAShellInAPseudoTerminal() throws Exception {
        int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"enter\"}");
        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
        Path driver = Path.of("src/test/resources/pty-drive.py").toAbsolutePath();
        Process p = new ProcessBuilder("python3", driver.toString(), VESSELCTL.toString(), "--socket", socket, "ve", "enter", String.valueOf(ve))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the session ended");
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(printed.contains("typed: ok"), printed);
        assertTrue(printed.contains("resized: ok"), "the window size reaches the VE's terminal: " + printed);
        assertTrue(printed.contains("exit status 3"), "the shell's exit status is vesselctl's: " + printed);
        Run missing = root("ve", "enter", "9999");
        assertEquals(3, missing.code(), "no such VE: " + missing);
        assertEquals(4, root("ve", "destroy", String.valueOf(ve)).code(), "a running VE is not destroyed");
        Run forced = root("ve", "destroy", "--force", String.valueOf(ve));
        assertEquals(0, forced.code(), forced.toString());
        assertEquals(404, panel.get("/api/v1/ves/" + ve).status());
    }

    @Test
    void bashCompletesVerbsFromTheCommandModel() throws Exception {
        Path script = work.resolve("completion.bash");
        Files.writeString(script, root("completion", "bash").out());
        Process p = new ProcessBuilder("bash", "-c", "source " + script + " && COMP_WORDS=(vesselctl ve st) && COMP_CWORD=2 && COMP_LINE='vesselctl ve st'"
                + " && COMP_POINT=${#COMP_LINE}; _complete_vesselctl 2>/dev/null; echo \"${COMPREPLY[@]}\"").redirectErrorStream(true).start();
        String completed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), completed);
        assertTrue(completed.contains("start") && completed.contains("stop") && !completed.contains("list"), completed);
    }

    @Test
    void overHttpsTheSelfSignedCertificateIsTrustedByItsFingerprintOnly() throws Exception {
        Matcher printed = Pattern.compile("SHA-256 fingerprint ([0-9A-F:]{95})").matcher(panel.output());
        assertTrue(printed.find(), panel.output());
        String fingerprint = printed.group(1);
        String url = "https://127.0.0.1:" + panel.httpsPort;
        Path profile = work.resolve("home/.config/vessel/cli.conf");

        Run untrusted = remote(List.of("--url", url, "--profile", profile.toString()), "ve", "list");
        assertEquals(1, untrusted.code(), untrusted.toString());
        assertTrue(untrusted.err().contains("--fingerprint"), "says how to trust it: " + untrusted);
        String wrong = fingerprint.substring(0, fingerprint.length() - 2) + (fingerprint.endsWith("00") ? "11" : "00");
        Run pinnedWrong = remote(List.of("--url", url, "--fingerprint", wrong, "--profile", profile.toString()), "ve", "list");
        assertEquals(1, pinnedWrong.code(), pinnedWrong.toString());

        // login: a token made for this machine, kept with the URL and fingerprint in a file only its owner reads
        Run login = login(url, fingerprint, PanelProcess.ADMIN_PASSWORD, profile);
        assertEquals(0, login.code(), login.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(profile)));
        assertTrue(Files.readString(profile).contains("token=vsl_"), "the token, not the password");
        assertTrue(!Files.readString(profile).contains(PanelProcess.ADMIN_PASSWORD));

        Run listed = remote(List.of("--profile", profile.toString()), "ve", "list", "-o", "json");
        assertEquals(0, listed.code(), listed.toString());
        assertEquals(ids(panel.get("/api/v1/ves").json()), ids(listed.json()));
        // logout: the token revoked on the panel, the profile gone
        String tokenId = Files.readAllLines(profile).stream().filter(l -> l.startsWith("token.id=")).findFirst().orElseThrow().substring(9);
        Run logout = remote(List.of("--profile", profile.toString()), "logout");
        assertEquals(0, logout.code(), logout.toString());
        assertTrue(!Files.exists(profile), "the profile deleted");
        boolean revoked = false;
        for (JsonNode token : panel.get("/api/v1/me/tokens").json()) {
            revoked |= token.get("id").asText().equals(tokenId) && token.hasNonNull("revokedAt");
        }
        assertTrue(revoked, "the token revoked");
        assertEquals(3, remote(List.of("--profile", profile.toString()), "logout").code(), "not logged in any more");

        Path other = work.resolve("other.conf");
        Run wrongPassword = login(url, fingerprint, "not-the-password", other);
        assertEquals(4, wrongPassword.code(), wrongPassword.toString());
        assertTrue(wrongPassword.err().contains("Wrong username or password"), wrongPassword.toString());
        assertTrue(!Files.exists(other), "nothing stored");
    }

    private Run login(String url, String fingerprint, String password, Path profile) throws Exception {
        Path input = Files.writeString(work.resolve("password.txt"), password + "\n");
        try {
            return run(List.of(VESSELCTL.toString(), "login", "--url", url, "--fingerprint", fingerprint, "--username", "admin", "--password-stdin",
                    "--profile", profile.toString()), input);
        } finally {
            Files.delete(input);
        }
    }

    // --- running vesselctl ---

    private Run root(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(VESSELCTL.toString(), "--socket", socket));
        command.addAll(List.of(args));
        return run(command);
    }

    private Run remote(List<String> options, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(VESSELCTL.toString()));
        command.addAll(options);
        command.addAll(List.of(args));
        return run(command);
    }

    /** vesselctl as another user of the host (uid and gid 65534, nobody/nogroup), with its own empty home. */
    private Run as(String user, List<String> options, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", VESSELCTL.toString(),
                "--socket", socket));
        command.addAll(options);
        command.addAll(List.of(args));
        return run(command);
    }

    private Run run(List<String> command) throws Exception {
        return run(command, Path.of("/dev/null"));
    }

    private Run run(List<String> command, Path stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(stdin.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("VESSEL"));
        Path home = work.resolve("home");
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxrwxrwx"));
        env.put("HOME", home.toString());
        env.remove("XDG_CONFIG_HOME");
        Path out = Files.createTempFile(work, "cli", ".out");
        Path err = Files.createTempFile(work, "cli", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end");
        }
        try {
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Set<Integer> ids(JsonNode list) {
        Set<Integer> ids = new HashSet<>();
        list.forEach(n -> ids.add(n.get("id").asInt()));
        return ids;
    }

    private static Set<String> names(JsonNode list) {
        Set<String> names = new HashSet<>();
        list.forEach(n -> names.add(n.get("name").asText() + "@" + n.get("version").asText()));
        return names;
    }
}
