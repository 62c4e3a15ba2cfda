package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of the security review (issue 11), performed for real by a tenant with root in its VE and by
 * hostile customer accounts. Each test is one finding; each must keep failing for the attacker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileTenantIT {

    private static final String PASSWORD = "Tenant-Password-1";

    @TempDir
    static Path work;
    private PanelProcess panel;
    private String customer;
    private String reseller;
    private PanelProcess.As alice;
    private PanelProcess.As rita;
    private AttackTool attack;

    @BeforeAll
    void panelWithTenants() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        attack = AttackTool.build(work);
        panel = new PanelProcess(work, Map.of()).start();
        reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Reseller\",\"kind\":\"RESELLER\"}"));
        customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Mallory Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(customer, "alice", "customer-owner", PASSWORD);
        panel.createAccount(reseller, "rita", "reseller-admin", PASSWORD);
        alice = panel.login("alice", PASSWORD);
        rita = panel.login("rita", PASSWORD);
    }

    @AfterAll
    void stopPanel() throws Exception {
        panel.close();
    }

    // ---- finding 1: nothing of the tenant's runs for the panel, no capability is lent ---------------------------

    @Test
    void programsPlantedInTheVeNeverRunWhenThePanelActsOnIt() throws Exception {
        int ve = createAndStart(customer);
        // every name the panel ever looked up through the VE's PATH, or ran by path, now records who ran it
        String spy = "#!/bin/busybox sh\necho \"$0 $(/bin/busybox grep CapEff /proc/self/status)\" >> /spied\n";
        for (String planted : List.of("/usr/local/sbin/hostname", "/usr/local/bin/hostname", "/usr/local/sbin/cat", "/usr/local/bin/cat",
                "/usr/local/bin/mkdir", "/usr/local/bin/chmod", "/usr/local/bin/touch", "/usr/local/bin/stat", "/usr/local/bin/mv")) {
            execWithInput(alice, ve, spy, "/bin/busybox", "sh", "-c", "mkdir -p $(dirname " + planted + ") && cat > " + planted + " && chmod 755 " + planted);
        }
        // and the shell itself: a wrapper that records, then runs the real one
        execWithInput(alice, ve, spy + "exec /bin/busybox sh \"$@\"\n", "/bin/busybox", "sh", "-c", "rm /bin/sh && cat > /bin/sh && chmod 755 /bin/sh");

        PanelProcess.Response renamed = alice.send("PATCH", "/api/v1/ves/" + ve, "{\"hostname\":\"renamed\"}");
        assertEquals(200, renamed.status(), renamed.toString());
        assertEquals(204, alice.post("/api/v1/ves/" + ve + "/password", "{\"password\":\"correct horse battery\"}").status());
        assertEquals(201, alice.post("/api/v1/ves/" + ve + "/ssh-keys", "{\"publicKey\":\"" + SSH_KEY + "\"}").status());

        assertEquals("renamed", busybox(ve, "cat", "/proc/sys/kernel/hostname").strip(), "the kernel host name changed");
        assertEquals("renamed", busybox(ve, "cat", "/etc/hostname").strip());
        assertTrue(busybox(ve, "cat", "/etc/shadow").startsWith("root:$6$"), "the root password hash was written");
        assertTrue(busybox(ve, "cat", "/root/.ssh/authorized_keys").contains(SSH_KEY));
        JsonNode spied = execAs(alice, ve, "/bin/busybox", "cat", "/spied");
        assertNotEquals(0, spied.get("exitCode").asInt(), "nothing the tenant planted ran: " + spied.get("stdout").asText());
        destroy(ve);
    }

    @Test
    void aBrokenShellInTheVeDoesNotBreakThePanelsChanges() throws Exception {
        int ve = createAndStart(customer);
        execAs(alice, ve, "/bin/busybox", "rm", "-f", "/bin/sh");
        awaitOperation(panel, alice.post("/api/v1/ves/" + ve + "/stop?timeout=5", ""));
        // stopped and broken: keys, password and host name are all written from the host
        assertEquals(201, alice.post("/api/v1/ves/" + ve + "/ssh-keys", "{\"publicKey\":\"" + SSH_KEY + "\"}").status());
        assertEquals(204, alice.post("/api/v1/ves/" + ve + "/password", "{\"password\":\"correct horse battery\"}").status());
        assertEquals(200, alice.send("PATCH", "/api/v1/ves/" + ve, "{\"hostname\":\"still-fine\"}").status());
        Path area = privateArea(ve);
        assertTrue(Files.readString(area.resolve("root/.ssh/authorized_keys")).contains(SSH_KEY));
        assertEquals("still-fine\n", Files.readString(area.resolve("etc/hostname")));
        destroy(ve);
    }

    @Test
    void onlyTheProviderCreatesPrivilegedVesAndNeverForACustomer() throws Exception {
        assertProblem(alice.post("/api/v1/ves", "{\"template\":\"busybox\",\"privileged\":true}"), 403, null);
        assertProblem(rita.post("/api/v1/ves", "{\"template\":\"busybox\",\"privileged\":true}"), 403,
                "A privileged VE is root on the host: only the provider's administrators create one.");
        PanelProcess.Response forCustomer = panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"privileged\":true,\"owner\":\"" + customer + "\"}");
        assertProblem(forCustomer, 422, null);
        assertEquals("owner", forCustomer.json().at("/errors/0/field").asText());
    }

    @Test
    void aHostNameTheKernelCannotHoldIsRefusedNotAFailure() throws Exception {
        int ve = create(customer);
        String tooLong = "a".repeat(30) + "." + "b".repeat(34);
        PanelProcess.Response refused = alice.send("PATCH", "/api/v1/ves/" + ve, "{\"hostname\":\"" + tooLong + "\"}");
        assertProblem(refused, 400, null);
        assertEquals("hostname", refused.json().at("/errors/0/field").asText());
        assertEquals(200, alice.send("PATCH", "/api/v1/ves/" + ve, "{\"hostname\":\"" + tooLong.substring(1) + "\"}").status(), "64 fit");
        destroy(ve);
    }

    // ---- finding 2: no subvolumes from inside, and a VE can always be destroyed ---------------------------------

    @Test
    void aVeCannotMakeSubvolumesOrSnapshotsAndIsAlwaysDestroyed() throws Exception {
        int ve = createAndStart(customer);
        installAttack(ve);
        for (List<String> attempt : List.of(List.of("subvol", "/root", "escape"), List.of("subvol", "/root", "escape", "high"),
                List.of("snap", "/", "/root", "copy"), List.of("snap", "/", "/root", "copy", "high"))) {
            List<String> argv = new ArrayList<>(List.of("/usr/local/bin/vessel-attack"));
            argv.addAll(attempt);
            JsonNode result = execAs(alice, ve, argv.toArray(String[]::new));
            assertEquals("errno 25", result.get("stdout").asText().strip(), "refused with ENOTTY: " + attempt + " " + result);
        }
        // a subvolume made in the VE another way (an older VE, a privileged one) does not stop its destruction
        Path area = privateArea(ve);
        PanelProcess.host("btrfs", "subvolume", "create", area.resolve("root/made-earlier").toString());
        PanelProcess.host("btrfs", "subvolume", "create", area.resolve("root/made-earlier/nested").toString());
        Files.writeString(area.resolve("root/made-earlier/nested/data"), "x".repeat(1 << 20));
        awaitOperation(panel, alice.post("/api/v1/ves/" + ve + "/kill", ""));
        JsonNode destroyed = awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
        assertEquals("SUCCEEDED", destroyed.get("state").asText(), destroyed.toString());
        assertFalse(Files.exists(area), "the whole private area is gone");
    }

    // ---- findings 3 and 11: a monitor per VE holds its console, and sees it reboot or power off ------------------

    @Test
    void theConsoleIsAPipeToAMonitorWhoseLogIsCapped() throws Exception {
        int ve = createAndStart(customer);
        String console = busybox(ve, "readlink", "/proc/1/fd/1").strip();
        assertTrue(console.startsWith("pipe:"), "the init's output is a pipe, no host path: " + console);
        assertNotEquals(0, execAs(alice, ve, "/bin/busybox", "sh", "-c", "echo x > /proc/1/fd/1").get("exitCode").asInt(),
                "the pipe is the monitor's, not the tenant's to open");
        // what the init's services print goes to the console: a service that floods it at boot
        execWithInput(alice, ve, "#!/bin/sh\n/bin/busybox yes flood | /bin/busybox head -c 200000000 &\n",
                "/bin/busybox", "sh", "-c", "cat > /etc/rc.local && chmod 755 /etc/rc.local");
        awaitOperation(panel, alice.post("/api/v1/ves/" + ve + "/restart?timeout=5", ""));
        PanelProcess.poll(Duration.ofSeconds(60), () -> psOf(ve).contains("PID") && !psOf(ve).contains("head -c"), "the flood to end");
        Path log = work.resolve("data/run/ves/" + ve + "/console.log");
        assertTrue(Files.size(log) <= 2 << 20, "200 MB printed, the host keeps at most the cap: " + Files.size(log));
        destroy(ve);
    }

    @Test
    void rebootAndPoweroffInsideTheVeAreFollowedAtOnce() throws Exception {
        int ve = createAndStart(customer);
        installAttack(ve);
        for (List<String> reboot : List.of(List.of("/bin/busybox", "reboot"), List.of("/usr/local/bin/vessel-attack", "reboot"))) {
            execAs(alice, ve, "/bin/busybox", "sh", "-c", "/bin/busybox sleep 1000 >/dev/null 2>&1 &");
            long rebootsBefore = reboots(ve);
            execAs(alice, ve, reboot.toArray(String[]::new));
            // the panel saw this reboot (the old init may still be stopping its processes, answering as RUNNING), and the
            // VE answers again without the process started before it
            PanelProcess.poll(Duration.ofSeconds(20), () -> {
                if (reboots(ve) == rebootsBefore) {
                    return false;
                }
                String ps = psOf(ve);
                return panel.get("/api/v1/ves/" + ve).json().get("state").asText().equals("RUNNING") && ps.contains("PID") && !ps.contains("sleep 1000");
            }, "VE " + ve + " to come back after " + reboot);
            assertTrue(panel.get("/api/v1/ves/" + ve).json().path("stateReason").isMissingNode()
                    || !panel.get("/api/v1/ves/" + ve).json().path("stateReason").asText().contains("failed"));
        }
        execAs(alice, ve, "/bin/busybox", "poweroff");
        PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/ves/" + ve).json().get("state").asText().equals("STOPPED"),
                "VE " + ve + " to be recorded stopped after poweroff");
        assertTrue(panel.get("/api/v1/ves/" + ve).json().get("stateReason").asText().contains("powered off"));
        awaitOperation(panel, alice.post("/api/v1/ves/" + ve + "/start", ""));
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText(), "and it starts again normally");
        destroy(ve);
    }

    /** Reboots from inside VE {@code ve} the panel has seen so far. */
    private long reboots(int ve) {
        String seen = "VE ended by itself ve=" + ve + " status=129";
        return panel.output().lines().filter(l -> l.contains(seen)).count();
    }

    private String psOf(int ve) {
        try {
            PanelProcess.Response r = alice.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"/bin/busybox\",\"ps\"],\"timeoutSeconds\":10}");
            return r.status() == 200 ? r.json().get("stdout").asText() : "not answering";
        } catch (RuntimeException e) {
            return "not answering";
        }
    }

    // ---- finding 4: FIFOs block nobody; one tenant cannot hold up another ------------------------------------

    @Test
    void fifosWhereThePanelWritesBlockNeitherTheVeNorAnyoneElse() throws Exception {
        int ve = createAndStart(customer);
        execAs(alice, ve, "/bin/busybox", "sh", "-c", "rm -f /etc/hostname /etc/shadow && mkfifo /etc/hostname /etc/shadow "
                + "&& mkdir -p /root/.ssh && rm -f /root/.ssh/authorized_keys && mkfifo /root/.ssh/authorized_keys");
        awaitOperation(panel, alice.post("/api/v1/ves/" + ve + "/stop?timeout=5", ""));
        long started = System.nanoTime();
        List<CompletableFuture<PanelProcess.Response>> attacks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            attacks.add(CompletableFuture.supplyAsync(() -> alice.send("PATCH", "/api/v1/ves/" + ve, "{\"hostname\":\"fifo\"}")));
            attacks.add(CompletableFuture.supplyAsync(() -> alice.post("/api/v1/ves/" + ve + "/password", "{\"password\":\"correct horse battery\"}")));
        }
        // meanwhile the provider's own work goes on
        int other = create(null);
        awaitOperation(panel, panel.post("/api/v1/ves/" + other + "/start", ""));
        for (CompletableFuture<PanelProcess.Response> attack : attacks) {
            PanelProcess.Response answer = attack.get(60, TimeUnit.SECONDS);
            assertTrue(answer.status() == 200 || answer.status() == 422, answer.toString());
        }
        assertTrue(System.nanoTime() - started < 60_000_000_000L, "nothing waited on a FIFO");
        Path area = privateArea(ve);
        assertTrue(Files.isRegularFile(area.resolve("etc/hostname"), LinkOption.NOFOLLOW_LINKS), "the FIFO was replaced, never opened");
        assertProblem(alice.post("/api/v1/ves/" + ve + "/password", "{\"password\":\"correct horse battery\"}"), 422, null);
        assertEquals(201, alice.post("/api/v1/ves/" + ve + "/ssh-keys", "{\"publicKey\":\"" + SSH_KEY + "\"}").status());
        assertTrue(Files.isRegularFile(area.resolve("root/.ssh/authorized_keys"), LinkOption.NOFOLLOW_LINKS));
        destroy(ve);
        awaitOperation(panel, panel.post("/api/v1/ves/" + other + "/kill", ""));
        destroy(other);
    }

    @Test
    void aTemplateTarballWithAFifoIsImportedWithoutOpeningIt() throws Exception {
        Path tree = Files.createDirectories(work.resolve("fifo-rootfs"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/os-release"), "NAME=\"Fifo Linux\"\n");
        PanelProcess.host("mkfifo", "-m", "0640", tree.resolve("etc/initctl").toString());
        Files.createDirectories(tree.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), tree.resolve("bin/busybox"));
        Files.createSymbolicLink(tree.resolve("bin/sh"), Path.of("busybox"));
        Path tarball = work.resolve("fifo.tar");
        PanelProcess.host("tar", "-C", tree.toString(), "-cf", tarball.toString(), ".");
        PanelProcess.Response accepted = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/templates/import?name=fifo-linux"))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofFile(tarball)));
        JsonNode imported = awaitOperation(panel, accepted);
        assertEquals("SUCCEEDED", imported.get("state").asText(), imported.toString());
        Path fifo = work.resolve("data/storage/pool/templates/fifo-linux@1/etc/initctl");
        assertEquals("p", PanelProcess.host("stat", "-c", "%A", fifo.toString()).substring(0, 1), "still a FIFO");
        assertEquals("prw-r-----", PanelProcess.host("stat", "-c", "%A", fifo.toString()).strip());
        assertEquals(204, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/templates/fifo-linux/1")).DELETE()).status());
    }

    // ---- finding 9: exec output is bounded, or streamed -----------------------------------------------------------

    @Test
    void aGigabyteOfOutputIsCappedAndStreamingCarriesAnySize() throws Exception {
        int ve = createAndStart(customer);
        String body = PanelProcess.JSON.writeValueAsString(Map.of("command",
                List.of("/bin/busybox", "sh", "-c", "yes | head -c 1000000000; echo done >&2"), "timeoutSeconds", 300));
        PanelProcess.Response capped = alice.post("/api/v1/ves/" + ve + "/exec", body, java.time.Duration.ofSeconds(240));
        assertEquals(200, capped.status(), capped.status() + " " + capped.body().length());
        JsonNode result = capped.json();
        assertTrue(result.get("truncated").asBoolean());
        assertEquals(1_000_000_000L, result.get("stdoutBytes").asLong());
        assertEquals(1 << 20, result.get("stdout").asText().length(), "1 MiB kept");
        assertEquals("done", result.get("stderr").asText().strip());
        assertTrue(capped.body().length() < 4 << 20, "the answer stays small: " + capped.body().length());
        assertEquals(200, panel.get("/api/v1/health").status(), "the panel's heap is fine");

        String streamed = PanelProcess.JSON.writeValueAsString(Map.of("command",
                List.of("/bin/busybox", "sh", "-c", "head -c 50000000 /dev/urandom; echo err >&2; exit 3"), "timeoutSeconds", 300));
        PanelProcess.Response lines = alice.post("/api/v1/ves/" + ve + "/exec?stream=true", streamed, java.time.Duration.ofSeconds(240));
        assertEquals(200, lines.status(), lines.toString());
        assertTrue(lines.header("Content-Type").startsWith("application/x-ndjson"), lines.header("Content-Type"));
        long stdout = 0;
        StringBuilder stderr = new StringBuilder();
        JsonNode last = null;
        for (String line : lines.body().split("\n")) {
            JsonNode node = PanelProcess.JSON.readTree(line);
            if (node.has("stream")) {
                byte[] data = Base64.getDecoder().decode(node.get("data").asText());
                if (node.get("stream").asText().equals("stdout")) {
                    stdout += data.length;
                } else {
                    stderr.append(new String(data));
                }
            } else {
                last = node;
            }
        }
        assertEquals(50_000_000L, stdout, "every byte arrived");
        assertEquals("err", stderr.toString().strip());
        assertEquals(3, last.get("exitCode").asInt(), last.toString());
        assertEquals(50_000_000L, last.get("stdoutBytes").asLong());
        destroy(ve);
    }

    // ---- finding 10: login and logout only from the panel's own pages -------------------------------------------

    @Test
    void crossSiteLoginAndLogoutAreRefused() throws Exception {
        PanelProcess.Response login = panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/auth/login"))
                .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"" + PASSWORD + "\"}")));
        assertProblem(login, 403, null);
        assertNull(login.header("Set-Cookie"), "no session for a cross-site login");
        PanelProcess.As victim = panel.login("alice", PASSWORD);
        for (String path : List.of("/api/v1/auth/logout", "/api/v1/auth/logout?everywhere=true")) {
            PanelProcess.Response logout = panel.anonymous(HttpRequest.newBuilder(panel.uri(path)).header(victim.header(), victim.value())
                    .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.noBody()));
            assertProblem(logout, 403, null);
        }
        assertEquals(200, victim.get("/api/v1/me").status(), "the victim is still logged in");
        PanelProcess.Response own = panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/auth/logout")).header(victim.header(), victim.value())
                .header("Origin", panel.uri("/").toString().replaceAll("/$", "")).POST(HttpRequest.BodyPublishers.noBody()));
        assertTrue(own.status() < 300, "the panel's own page logs out: " + own);
    }

    // ---- finding 12: facts for anonymous callers ---------------------------------------------------------------------

    @Test
    void anonymousHealthShowsStatusOnly() throws Exception {
        PanelProcess.Response anonymous = panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/health")).GET());
        assertEquals(200, anonymous.status());
        String body = anonymous.body();
        for (String fact : List.of("jdbc", work.toString(), "runc", "version", "nodeId", "kernel\":{\"status\":\"UP\",\"summary")) {
            assertFalse(body.contains(fact), "anonymous health shows no " + fact + ": " + body);
        }
        assertEquals("UP", anonymous.json().at("/checks/kernel/status").asText(), body);
        assertTrue(panel.get("/api/v1/health").json().at("/checks/kernel/details/nodeId").isTextual(), "an admin sees the details");
        assertFalse(alice.get("/api/v1/health").body().contains("nodeId"), "a customer does not");
    }

    // ---- finding 13: shared kernel resources are bounded per VE ------------------------------------------------------

    @Test
    void oneVeCannotTakeEveryPseudoTerminalNorUseIoUring() throws Exception {
        int greedy = createAndStart(customer);
        int other = createAndStart(customer);
        installAttack(greedy);
        installAttack(other);
        execAs(alice, greedy, "/bin/busybox", "sh", "-c", "/usr/local/bin/vessel-attack ptys 100000 120 > /root/ptys 2>&1 &");
        PanelProcess.poll(Duration.ofSeconds(30), () -> Files.exists(privateArea(greedy).resolve("root/ptys"))
                && !read(privateArea(greedy).resolve("root/ptys")).isBlank(), "the greedy VE to take what it can");
        int taken = Integer.parseInt(read(privateArea(greedy).resolve("root/ptys")).strip());
        assertTrue(taken <= 1024, "one VE holds at most its share of pseudo-terminals: " + taken);
        assertEquals("5", execAs(alice, other, "/usr/local/bin/vessel-attack", "ptys", "5", "0").get("stdout").asText().strip(),
                "another VE still gets terminals (consoles, SSH)");
        assertEquals("errno 38", execAs(alice, other, "/usr/local/bin/vessel-attack", "io_uring").get("stdout").asText().strip(), "io_uring: ENOSYS");
        String limits = busybox(other, "cat", "/proc/1/limits");
        assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max open files") && l.split("\\s{2,}")[1].equals("1024")),
                "the VE's own rlimits, not the panel's:\n" + limits);
        for (int ve : List.of(greedy, other)) {
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/kill", ""));
            destroy(ve);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static final String SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@example";

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private Path privateArea(int ve) {
        return work.resolve("data/storage/pool/ves/" + ve);
    }

    private void installAttack(int ve) throws Exception {
        attack.install(work.resolve("data"), ve);
    }

    private int create(String owner) {
        String body = owner == null ? "{\"template\":\"busybox\"}" : "{\"template\":\"busybox\",\"owner\":\"" + owner + "\"}";
        JsonNode operation = awaitOperation(panel, panel.post("/api/v1/ves", body));
        return Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", ""));
    }

    private int createAndStart(String owner) {
        int id = create(owner);
        awaitOperation(panel, panel.post("/api/v1/ves/" + id + "/start", ""));
        return id;
    }

    private void destroy(int ve) {
        JsonNode state = panel.get("/api/v1/ves/" + ve).json();
        if (state.get("state").asText().equals("RUNNING")) {
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/kill", ""));
        }
        awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
    }

    /** A busybox applet by absolute path: the tenant's planted programs are not involved in the test's own checks. */
    private String busybox(int ve, String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/busybox"));
        command.addAll(List.of(argv));
        JsonNode result = execAs(alice, ve, command.toArray(String[]::new));
        assertEquals(0, result.get("exitCode").asInt(), result.toString());
        return result.get("stdout").asText();
    }

    private JsonNode execAs(PanelProcess.As as, int ve, String... argv) throws Exception {
        return execWithInput(as, ve, null, argv);
    }

    private JsonNode execWithInput(PanelProcess.As as, int ve, String stdin, String... argv) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("command", List.of(argv), "timeoutSeconds", 60));
        if (stdin != null) {
            body.put("stdin", stdin);
        }
        PanelProcess.Response r = as.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(body));
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }
}
