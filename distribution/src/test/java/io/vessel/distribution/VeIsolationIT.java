package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks from inside a VE, and limits that hold and change live. Two running busybox VEs on one panel; every
 * check is a command a tenant could type.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VeIsolationIT {

    @TempDir
    static Path work;
    private PanelProcess panel;
    private int a;
    private int b;

    @BeforeAll
    void twoRunningVes() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        panel = new PanelProcess(work, Map.of()).start();
        a = createAndStart();
        b = createAndStart();
        assertEquals(0, exec(b, "sh", "-c", "echo top-secret > /root/secret").get("exitCode").asInt());
    }

    @AfterAll
    void stopPanel() throws Exception {
        panel.close();
    }

    @Test
    void cannotMountLoadModulesOrMakeDevices() throws Exception {
        assertDenied(exec(a, "mount", "-t", "tmpfs", "none", "/mnt"));
        assertDenied(exec(a, "insmod", "/bin/busybox")); // EPERM, or ENOSYS on kernels built without modules
        String status = exec(a, "cat", "/proc/self/status").get("stdout").asText();
        long effective = Long.parseLong(status.lines().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow().split("\\s+")[1], 16);
        assertEquals(0, effective & (1L << 16), "no CAP_SYS_MODULE:\n" + status);
        assertEquals(0, effective & (1L << 21), "no CAP_SYS_ADMIN");
        assertEquals(0, effective & (1L << 17), "no CAP_SYS_RAWIO");
        assertDenied(exec(a, "mknod", "/tmp/sda", "b", "8", "0"));
    }

    @Test
    void cannotWriteKernelSettings() throws Exception {
        assertDenied(exec(a, "sh", "-c", "echo 1 > /proc/sys/kernel/panic"));
        assertDenied(exec(a, "sh", "-c", "echo /tmp/x > /sys/kernel/uevent_helper"));
        assertDenied(exec(a, "sh", "-c", "echo 1 > /proc/sysrq-trigger"));
    }

    @Test
    void cannotSeeTheHostOrTheOtherVe() throws Exception {
        String ps = exec(a, "ps", "-o", "pid,args").get("stdout").asText();
        assertTrue(ps.lines().noneMatch(l -> l.contains("java") || l.contains("runc")), "host processes are invisible:\n" + ps);
        JsonNode hunt = exec(a, "sh", "-c", "cat /proc/*/root/root/secret 2>/dev/null; grep -rs top-secret / --exclude-dir=proc --exclude-dir=sys 2>/dev/null; true");
        assertEquals("", hunt.get("stdout").asText().strip(), "the other VE's files are out of reach");
        String mounts = exec(a, "cat", "/proc/self/mountinfo").get("stdout").asText();
        assertTrue(mounts.lines().noneMatch(l -> l.contains("/ves/" + b)), "the other VE's private area is not mounted here:\n" + mounts);
    }

    @Test
    void diskQuotaHoldsAndCannotGoBelowUsage() throws Exception {
        // destroying a VE must not switch quota enforcement off for the others (btrfs marks its accounting
        // inconsistent when a quota group is removed too early)
        int gone = createAndStart();
        awaitOperation(panel, panel.post("/api/v1/ves/" + gone + "/kill", ""));
        awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + gone)).DELETE()));
        change(a, "{\"limits\":{\"diskBytes\":33554432}}");
        JsonNode fill = exec(a, "dd", "if=/dev/zero", "of=/root/fill", "bs=1M", "count=100");
        assertDenied(fill);
        assertTrue(fill.get("stderr").asText().contains("Disk quota exceeded"), fill.toString());
        assertEquals(0, exec(b, "dd", "if=/dev/zero", "of=/root/ok", "bs=1M", "count=40").get("exitCode").asInt(),
                "the pool and the other VE are unaffected");
        PanelProcess.Response below = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + a))
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString("{\"limits\":{\"diskBytes\":16777216}}")));
        assertProblem(below, 422, null);
        exec(a, "rm", "-f", "/root/fill");
        exec(b, "rm", "-f", "/root/ok");
        change(a, "{\"limits\":{\"diskBytes\":2147483648}}");
    }

    @Test
    void processLimitStopsAForkBombAndRaisingItWorksLive() throws Exception {
        change(a, "{\"limits\":{\"processes\":32}}");
        try {
            JsonNode bomb = execAllowingFailure(a, 20, "sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 4 >/dev/null 2>&1 & i=$((i+1)); done; echo started");
            assertTrue(bomb.get("stderr").asText().contains("fork") || bomb.get("stderr").asText().contains("Resource temporarily unavailable"),
                    bomb.toString());
            // at its limit the VE takes no new process, not even an exec from the panel (runc's own threads count too); once the
            // bomb's processes end it answers again
            String answer = "";
            for (long deadline = System.nanoTime() + 30_000_000_000L; !answer.equals("ve" + a) && System.nanoTime() < deadline; Thread.sleep(250)) {
                answer = execAllowingFailure(a, 10, "hostname").get("stdout").asText().strip();
            }
            assertEquals("ve" + a, answer, "the VE still answers");

            change(a, "{\"limits\":{\"processes\":512}}");
            JsonNode many = exec(a, "sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 60 >/dev/null 2>&1 & i=$((i+1)); done; ps | grep -c 'sleep 60'");
            assertTrue(Integer.parseInt(many.get("stdout").asText().strip()) >= 100, many.toString());
            exec(a, "killall", "sleep");
        } finally {
            change(a, "{\"limits\":{\"processes\":512}}"); // the other tests share this VE
        }
    }

    @Test
    void memoryHogIsKilledInsideTheVeAndRaisingTheLimitWorksLive() throws Exception {
        change(a, "{\"limits\":{\"memoryBytes\":67108864,\"swapBytes\":0}}");
        String hog = "x=$(head -c 120000000 /dev/zero | tr '\\0' a); echo ${#x}";
        JsonNode killed = execAllowingFailure(a, 60, "sh", "-c", hog);
        assertNotEquals(0, killed.get("exitCode").asInt(), "the hog is killed: " + killed);
        assertEquals(200, panel.get("/api/v1/health").status(), "the panel keeps serving");
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + a).json().get("state").asText(), "the VE itself survives");

        change(a, "{\"limits\":{\"memoryBytes\":2147483648}}");
        assertEquals("120000000", exec(a, "sh", "-c", hog).get("stdout").asText().strip(), "the same work fits after raising the limit");
    }

    @Test
    void everyVeProcessRunsUnderASeccompFilter() throws Exception {
        assertEquals("2", exec(a, "sh", "-c", "grep Seccomp: /proc/self/status | cut -f2").get("stdout").asText().strip(),
                "mode 2: a seccomp filter is installed");
        assertEquals("2", exec(a, "sh", "-c", "grep Seccomp: /proc/1/status | cut -f2").get("stdout").asText().strip(), "init too");
    }

    @Test
    void cpusetPinsTheVeLive() throws Exception {
        String all = Files.readString(Path.of("/sys/devices/system/cpu/online")).strip();
        change(a, "{\"limits\":{\"cpuset\":\"0\"}}");
        assertEquals("0", allowedCpus(a));
        change(a, "{\"limits\":{\"cpuset\":\"\"}}");
        assertEquals(all, allowedCpus(a), "empty: every host CPU again");
        PanelProcess.Response refused = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + a))
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString("{\"limits\":{\"cpuset\":\"0-4095\"}}")));
        PanelLifecycleIT.assertProblem(refused, 400, null);
        assertEquals("limits.cpuset", refused.json().at("/errors/0/field").asText());
    }

    private String allowedCpus(int id) throws Exception {
        return exec(id, "sh", "-c", "grep Cpus_allowed_list /proc/self/status | cut -f2").get("stdout").asText().strip();
    }

    @Test
    void diskBandwidthCapsHoldAndLiftLive() throws Exception {
        long mib = 1L << 20;
        change(a, "{\"limits\":{\"writeBytesPerSecond\":" + 2 * mib + "}}");
        long write = timed(a, "dd if=/dev/zero of=/root/io bs=1M count=6 oflag=direct");
        assertTrue(write >= 2000, "6 MiB at 2 MiB/s take about 3 s, took " + write + " ms");
        change(a, "{\"limits\":{\"writeBytesPerSecond\":0,\"readBytesPerSecond\":" + 2 * mib + "}}");
        long read = timed(a, "dd if=/root/io of=/dev/null bs=1M iflag=direct");
        assertTrue(read >= 2000, "reading 6 MiB at 2 MiB/s takes about 3 s, took " + read + " ms");
        JsonNode lifted = change(a, "{\"limits\":{\"readBytesPerSecond\":0}}");
        assertEquals(0, lifted.at("/limits/readBytesPerSecond").asLong());
        assertTrue(timed(a, "dd if=/root/io of=/dev/null bs=1M iflag=direct") < 1500, "no cap: fast again");
        assertTrue(timed(a, "dd if=/dev/zero of=/root/io bs=1M count=6 oflag=direct") < 1500, "no cap: fast again");
        exec(a, "rm", "/root/io");
    }

    private long timed(int id, String command) throws Exception {
        long started = System.nanoTime();
        JsonNode result = execAllowingFailure(id, 60, "sh", "-c", command);
        assertEquals(0, result.get("exitCode").asInt(), result.toString());
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Test
    void hostnameChangesLive() throws Exception {
        JsonNode changed = change(b, "{\"hostname\":\"db1.example.com\"}");
        assertEquals("db1.example.com", changed.get("hostname").asText());
        assertEquals("db1.example.com", exec(b, "hostname").get("stdout").asText().strip());
        assertEquals("db1.example.com", exec(b, "cat", "/etc/hostname").get("stdout").asText().strip());
    }

    @Test
    void linksPlantedInTheVeCannotRedirectThePanelsWrites() throws Exception {
        int c = createAndStart();
        String hostPasswd = Files.readString(Path.of("/etc/passwd"));
        exec(c, "ln", "-sf", "/etc/passwd", "/etc/hostname");
        awaitOperation(panel, panel.post("/api/v1/ves/" + c + "/stop?timeout=10", ""));
        // the panel writes from the host through the VE's own root: the link is replaced, never followed
        change(c, "{\"hostname\":\"evil\"}");
        assertEquals(hostPasswd, Files.readString(Path.of("/etc/passwd")), "the host's /etc/passwd is untouched");
        Path hostname = work.resolve("data/storage/pool/ves/" + c + "/etc/hostname");
        assertTrue(Files.isRegularFile(hostname, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the link became the VE's own file");
        assertEquals("evil\n", Files.readString(hostname));

        awaitOperation(panel, panel.post("/api/v1/ves/" + c + "/start", ""));
        exec(c, "ln", "-sf", "/etc/passwd", "/etc/hostname");
        change(c, "{\"hostname\":\"fine\"}");
        assertEquals(hostPasswd, Files.readString(Path.of("/etc/passwd")), "still untouched while running");
        awaitOperation(panel, panel.post("/api/v1/ves/" + c + "/kill", ""));
        awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + c)).DELETE()));
    }

    @Test
    void suspendFreezesTheVeAndResumeThawsIt() throws Exception {
        int d = createAndStart();
        exec(d, "sh", "-c", "(while :; do date +%s%N > /root/tick; sleep 0.1; done) >/dev/null 2>&1 &");
        awaitOperation(panel, panel.post("/api/v1/ves/" + d + "/suspend", ""));
        assertEquals("SUSPENDED", panel.get("/api/v1/ves/" + d).json().get("state").asText());
        Path tick = work.resolve("data/storage/pool/ves/" + d + "/root/tick");
        String frozen = Files.readString(tick);
        Thread.sleep(500);
        assertEquals(frozen, Files.readString(tick), "nothing runs while suspended");
        assertProblem(panel.post("/api/v1/ves/" + d + "/exec", "{\"command\":[\"true\"]}"), 409, null);

        awaitOperation(panel, panel.post("/api/v1/ves/" + d + "/resume", ""));
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + d).json().get("state").asText());
        PanelProcess.poll(java.time.Duration.ofSeconds(5), () -> {
            try {
                return !Files.readString(tick).equals(frozen);
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the VE to run again");

        awaitOperation(panel, panel.post("/api/v1/ves/" + d + "/suspend", ""));
        awaitOperation(panel, panel.post("/api/v1/ves/" + d + "/kill", "")); // a frozen VE can be killed too
        assertEquals("STOPPED", panel.get("/api/v1/ves/" + d).json().get("state").asText());
        awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + d)).DELETE()));
    }

    @Test
    void concurrentCreatesGetDistinctIds() throws Exception {
        java.util.List<java.util.concurrent.CompletableFuture<PanelProcess.Response>> requests = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> panel.post("/api/v1/ves", "{\"template\":\"busybox\"}")));
        }
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        for (var request : requests) {
            JsonNode operation = awaitOperation(panel, request.join());
            ids.add(Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", "")));
        }
        assertEquals(6, ids.size(), "six VEs, six ids: " + ids);
        for (int id : ids) {
            awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + id)).DELETE()));
        }
    }

    private int createAndStart() {
        PanelProcess.Response accepted = panel.post("/api/v1/ves", "{\"template\":\"busybox\"}");
        JsonNode operation = awaitOperation(panel, accepted);
        int id = Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", ""));
        awaitOperation(panel, panel.post("/api/v1/ves/" + id + "/start", ""));
        return id;
    }

    private JsonNode change(int id, String body) {
        PanelProcess.Response r = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + id))
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    private JsonNode exec(int id, String... argv) throws Exception {
        return execAllowingFailure(id, 30, argv);
    }

    private JsonNode execAllowingFailure(int id, int timeoutSeconds, String... argv) throws Exception {
        String body = PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv), "timeoutSeconds", timeoutSeconds));
        PanelProcess.Response r = panel.post("/api/v1/ves/" + id + "/exec", body);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    private static void assertDenied(JsonNode result) {
        assertNotEquals(0, result.get("exitCode").asInt(), "must be refused: " + result);
    }
}
