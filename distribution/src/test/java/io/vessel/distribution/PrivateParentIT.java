package io.vessel.distribution;

import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vessel unpacked where root clones things (issue 12): the data directory under a private parent, as {@code
 * /root/vessel} is. VEs are created, started and used, also across a panel restart; and on the host, one VE's ids
 * reach neither another VE's root nor the storage pool.
 */
class PrivateParentIT {

    @TempDir
    Path outer;

    @Test
    void vesWorkUnderAPrivateParentAndNoVeReachesAnotherVesRoot() throws Exception {
        Path home = Files.createDirectory(outer.resolve("root-home"));
        Files.setPosixFilePermissions(outer, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------")); // as /root on Debian
        Path work = Files.createDirectory(home.resolve("vessel"));
        PanelProcess first = new PanelProcess(work, Map.of()).start();
        int a;
        int b;
        try {
            assertEquals("UP", first.get("/api/v1/health").json().at("/checks/kernel/status").asText(), first.get("/api/v1/health").body());
            a = createAndStart(first);
            b = createAndStart(first);
            assertEquals("ve" + a, exec(first, a, "hostname").strip());
            exec(first, b, "sh", "-c", "echo b-only > /etc/b-secret");
            String node = Files.readString(first.dataDir.resolve("node-id")).strip();
            Path runtime = Path.of("/run/vessel", node, "ves");
            int uidA = 65536 * a;
            assertEquals(uidA, Files.getAttribute(runtime.resolve(String.valueOf(a)), "unix:uid"), "a VE's runtime directory is its own");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime.resolve(String.valueOf(a)))));
            // VE a's root user on the host: its own root is reachable, another VE's and the pool are not
            assertTrue(asUid(uidA, "ls", runtime.resolve(a + "/rootfs/etc").toString()).contains("hostname"));
            assertTrue(asUid(uidA, "cat", runtime.resolve(b + "/rootfs/etc/b-secret").toString()).contains("Permission denied"));
            assertTrue(asUid(uidA, "ls", runtime.resolve(String.valueOf(b)).toString()).contains("Permission denied"));
            assertTrue(asUid(uidA, "ls", runtime.toString()).contains("Permission denied"), "the VEs cannot even be listed");
            assertTrue(asUid(uidA, "cat", first.dataDir.resolve("storage/pool/ves/" + b + "/etc/b-secret").toString()).contains("Permission denied"));
            first.stop(); // SIGTERM: VEs keep running
        } catch (Throwable t) {
            first.close();
            throw t;
        }
        try (PanelProcess second = new PanelProcess(work, Map.of()).start()) {
            assertEquals("RUNNING", second.get("/api/v1/ves/" + a).json().get("state").asText());
            assertEquals("ve" + a, exec(second, a, "hostname").strip(), "a running VE kept across the restart");
            awaitOperation(second, second.post("/api/v1/ves/" + a + "/restart?timeout=5", ""));
            assertEquals("ve" + a, exec(second, a, "hostname").strip(), "and it starts again");
            for (int ve : List.of(a, b)) {
                awaitOperation(second, second.post("/api/v1/ves/" + ve + "/kill", ""));
            }
            String node = Files.readString(second.dataDir.resolve("node-id")).strip();
            assertTrue(!Files.exists(Path.of("/run/vessel", node, "ves", String.valueOf(a))), "a stopped VE leaves no runtime root");
        }
    }

    private static String asUid(int uid, String... command) {
        List<String> argv = new java.util.ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        argv.addAll(List.of(command));
        return PanelProcess.host(argv.toArray(String[]::new));
    }

    private static int createAndStart(PanelProcess panel) {
        JsonNode operation = awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\"}"));
        int id = Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", ""));
        JsonNode started = awaitOperation(panel, panel.post("/api/v1/ves/" + id + "/start", ""));
        assertEquals("SUCCEEDED", started.get("state").asText(), started.toString());
        return id;
    }

    private static String exec(PanelProcess panel, int ve, String... argv) throws Exception {
        String body = PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv)));
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec", body);
        assertEquals(200, r.status(), r.toString());
        return r.json().get("stdout").asText();
    }
}
