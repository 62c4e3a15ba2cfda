package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real VEs through the REST API of the assembled panel: create, start, look inside, stop, keep files, survive
 * kill -9 of the panel, reconcile, refuse bad requests, and leave nothing behind when destroyed.
 */
class VeLifecycleIT {

    @TempDir
    Path work;
    private Path data;

    @BeforeEach
    void passableWorkDir() throws Exception {
        // like a real data directory: VEs' mapped root users must be able to pass through to the pool
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        data = work.resolve("data");
    }

    @Test
    void veLifecycleThroughTheApi() throws Exception {
        int first;
        int second;
        String stopping;
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            assertEquals("UP", panel.get("/api/v1/health").json().at("/checks/kernel/status").asText(),
                    panel.get("/api/v1/health").body());
            assertEquals("busybox", panel.get("/api/v1/templates").json().at("/0/name").asText());

            first = create(panel, "{\"template\":\"busybox\",\"hostname\":\"web1\",\"limits\":{\"memoryBytes\":268435456}}");
            JsonNode ve = panel.get("/api/v1/ves/" + first).json();
            assertEquals("STOPPED", ve.get("state").asText());
            assertEquals("web1", ve.get("hostname").asText());
            assertEquals(268435456L, ve.at("/limits/memoryBytes").asLong());

            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/start", ""));
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + first).json().get("state").asText());
            assertEquals("web1", exec(panel, first, "hostname").get("stdout").asText().strip());
            String ps = exec(panel, first, "ps", "-o", "pid,args").get("stdout").asText();
            assertTrue(ps.lines().skip(1).findFirst().orElse("").strip().startsWith("1 "), "PID 1 is the VE's init:\n" + ps);
            assertFalse(ps.contains("java"), "no host processes are visible:\n" + ps);
            assertEquals("0", exec(panel, first, "id", "-u").get("stdout").asText().strip());
            assertEquals(String.valueOf(65536L * first), hostUidOfInit(first), "root in the VE is an unprivileged host uid");

            exec(panel, first, "sh", "-c", "echo kept > /root/note");
            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/stop?timeout=10", ""));
            assertEquals("STOPPED", panel.get("/api/v1/ves/" + first).json().get("state").asText());
            assertProblem(panel.post("/api/v1/ves/" + first + "/exec", "{\"command\":[\"true\"]}"), 409, null);
            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/start", ""));
            assertEquals("kept", exec(panel, first, "cat", "/root/note").get("stdout").asText().strip(), "files survive a restart");

            // bad requests are refused at once, and nothing is left behind
            assertProblem(panel.post("/api/v1/ves/" + first + "/start", ""), 409, "Cannot start VE " + first + ": it is RUNNING; stop it first.");
            assertProblem(panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + first + "}"), 409, "VE " + first + " exists already.");
            assertProblem(panel.post("/api/v1/ves", "{\"template\":\"windows\"}"), 400, null);
            PanelProcess.Response badLimits = panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"limits\":{\"memoryBytes\":\"lots\"}}");
            assertProblem(badLimits, 400, null);
            assertEquals("limits.memoryBytes", badLimits.json().at("/errors/0/field").asText());
            assertProblem(panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"limits\":{\"processes\":1}}"), 400, null);
            assertProblem(panel.get("/api/v1/ves/99999"), 404, "There is no VE 99999.");
            String anOperation = panel.get("/api/v1/operations?limit=1").json().get(0).get("id").asText();
            assertProblem(panel.get("/api/v1/operations/" + anOperation + "?wait=61"), 400, "wait must be between 0 and 60 seconds.");
            assertEquals(1, panel.get("/api/v1/ves").json().size(), "refused requests created nothing");

            second = create(panel, "{\"template\":\"busybox\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + second + "/start", ""));
            // a stop that takes a few seconds (a process ignoring SIGTERM), and the panel dies while it runs
            exec(panel, second, "sh", "-c", "(trap '' TERM; sleep 1000) >/dev/null 2>&1 &");
            stopping = panel.post("/api/v1/ves/" + second + "/stop?timeout=30", "").json().get("id").asText();
            String operation = stopping;
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/operations/" + operation).json().get("state").asText().equals("RUNNING"),
                    "the stop to run");

            panel.crash();
        }

        // the panel is gone; the VEs are not. One of them is stopped by hand meanwhile.
        Path runcRoot = data.resolve("run/runc");
        assertTrue(Host.run("runc", "--root", runcRoot.toString(), "list").contains("ve-" + first), "VEs outlive the panel");
        Host.run("runc", "--root", runcRoot.toString(), "kill", "ve-" + second, "KILL");
        // and the other one is rebooted from inside: its monitor records it, the next panel starts it again
        Host.run("runc", "--root", runcRoot.toString(), "exec", "ve-" + first, "/bin/busybox", "sh", "-c",
                "/bin/busybox sleep 1000 >/dev/null 2>&1 & /bin/busybox reboot");
        PanelProcess.poll(Duration.ofSeconds(10), () -> Host.run("runc", "--root", runcRoot.toString(), "state", "ve-" + second)
                .contains("\"stopped\""), "VE " + second + " to stop");

        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            PanelProcess.poll(Duration.ofSeconds(30), () -> panel.get("/api/v1/ves/" + first).json().get("state").asText().equals("RUNNING")
                    && panel.post("/api/v1/ves/" + first + "/exec", "{\"command\":[\"/bin/busybox\",\"ps\"]}").body().contains("PID")
                    && !panel.post("/api/v1/ves/" + first + "/exec", "{\"command\":[\"/bin/busybox\",\"ps\"]}").body().contains("sleep 1000"),
                    "VE " + first + ", rebooted while the panel was down, to run again");
            JsonNode stop = panel.get("/api/v1/operations/" + stopping).json();
            assertEquals("SUCCEEDED", stop.get("state").asText(), "the interrupted stop finished after all, and says so: " + stop);
            assertTrue(stop.get("message").asText().contains("confirmed when it started again"), stop.toString());
            JsonNode stopped = panel.get("/api/v1/ves/" + second).json();
            assertEquals("STOPPED", stopped.path("state").asText(), "the VE stopped by hand is reported stopped: " + stopped
                    + "\n" + Files.readString(panel.logDir.resolve("vessel.log")));
            assertTrue(stopped.path("stateReason").asText().contains("reconciled"), stopped + "\n" + Files.readString(panel.logDir.resolve("vessel.log")));
            assertEquals("kept", exec(panel, first, "cat", "/root/note").get("stdout").asText().strip());

            // a privileged VE (admin opt-in): no user namespace, root inside is root on the host
            int privileged = create(panel, "{\"template\":\"busybox\",\"privileged\":true}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + privileged + "/start", ""));
            assertEquals("0", hostUidOfInit(privileged));
            awaitOperation(panel, panel.post("/api/v1/ves/" + privileged + "/kill", ""));
            awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + privileged)).DELETE()));

            // root password: set through stdin, stored as a SHA-512 crypt hash, never echoed back
            PanelProcess.Response password = panel.post("/api/v1/ves/" + first + "/password", "{\"password\":\"correct horse battery\"}");
            assertEquals(204, password.status(), password.toString());
            String shadow = exec(panel, first, "grep", "^root:", "/etc/shadow").get("stdout").asText();
            assertTrue(shadow.startsWith("root:$6$"), shadow);
            assertFalse(Files.readString(panel.logDir.resolve("vessel.log")).contains("correct horse"), "the password is not logged");
            assertProblem(panel.post("/api/v1/ves/" + first + "/password", "{\"password\":\"short\"}"), 400, null);

            // reinstall: refused while running; afterwards a fresh file system with the same id and limits
            assertProblem(panel.post("/api/v1/ves/" + first + "/reinstall", "{}"), 409, null);
            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/stop?timeout=10", ""));
            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/reinstall", "{}"));
            JsonNode reinstalled = panel.get("/api/v1/ves/" + first).json();
            assertEquals("STOPPED", reinstalled.get("state").asText());
            assertEquals(268435456L, reinstalled.at("/limits/memoryBytes").asLong(), "limits kept");
            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/start", ""));
            assertEquals("web1", exec(panel, first, "hostname").get("stdout").asText().strip(), "host name kept");
            assertTrue(panel.post("/api/v1/ves/" + first + "/exec", "{\"command\":[\"cat\",\"/root/note\"]}").json()
                    .get("exitCode").asInt() != 0, "the old files are gone");

            assertProblem(panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + first)).DELETE()), 409, null);
            awaitOperation(panel, panel.post("/api/v1/ves/" + first + "/kill", ""));
            for (int id : List.of(first, second)) {
                awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + id)).DELETE()));
                assertProblem(panel.get("/api/v1/ves/" + id), 404, null);
                assertFalse(Files.exists(data.resolve("storage/pool/ves/" + id)), "private area removed");
                assertFalse(Files.exists(data.resolve("run/ves/" + id)), "bundle removed");
                assertFalse(Host.run("runc", "--root", runcRoot.toString(), "list").contains("ve-" + id), "runtime state removed");
                String node = panel.get("/api/v1/health").json().at("/checks/kernel/details/nodeId").asText().substring(0, 8);
                assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/vessel/" + node + "/ve-" + id)), "cgroup removed");
            }
        }
    }

    private static int create(PanelProcess panel, String body) {
        PanelProcess.Response accepted = panel.post("/api/v1/ves", body);
        assertEquals(202, accepted.status(), accepted.toString());
        JsonNode operation = awaitOperation(panel, accepted);
        return Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", ""));
    }

    static JsonNode awaitOperation(PanelProcess panel, PanelProcess.Response accepted) {
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.json().get("id").asText();
        assertEquals("http://127.0.0.1:" + panel.port + "/api/v1/operations/" + id, accepted.header("Location"));
        JsonNode done = panel.awaitOperation(id, Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", done.get("state").asText(), done.toString());
        assertEquals(100, done.get("progress").asInt());
        return done;
    }

    private static JsonNode exec(PanelProcess panel, int id, String... argv) throws Exception {
        String body = PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv)));
        PanelProcess.Response r = panel.post("/api/v1/ves/" + id + "/exec", body);
        assertEquals(200, r.status(), r.toString());
        assertEquals(0, r.json().get("exitCode").asInt(), r.body());
        return r.json();
    }

    private String hostUidOfInit(int id) throws Exception {
        String state = Host.run("runc", "--root", data.resolve("run/runc").toString(), "state", "ve-" + id);
        int pid = PanelProcess.JSON.readTree(state).get("pid").asInt();
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        return status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
    }

    /** Commands on the host, for checking what the panel did. */
    static final class Host {
        static String run(String... command) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                p.waitFor();
                return out;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }
}
