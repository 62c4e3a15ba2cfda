package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LXCFS, the one FUSE daemon on the host that serves every VE's {@code /proc} views (memory, CPUs, uptime), is killed:
 * the panel starts it again and mends the views of the VEs that run, which answer again with each VE's own figures.
 * The one class that must run alone for it: while LXCFS is dead, every panel's VEs meet an unconnected mount there.
 * (The rest of what a standalone server looks like from inside is {@link StandaloneServerIT}, beside other classes.)
 */
@org.junit.jupiter.api.parallel.Isolated("kills the host's one LXCFS, which every panel's VEs read their /proc views from")
class LxcfsDeathIT {

    private static final long MEMORY = 192L << 20;

    @Test
    void aKilledLxcfsIsStartedAgainAndEveryRunningVeSeesItsOwnFiguresAgain() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-lxcfs-it");
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            List<Integer> ves = List.of(NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"limits\":{\"memoryBytes\":" + MEMORY + "}}"),
                    NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"limits\":{\"memoryBytes\":" + 2 * MEMORY + "}}"));
            for (int ve : ves) {
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            }
            assertEquals(MEMORY / 1024, memTotalKb(panel, ves.get(0)), "before: the VE's own memory");

            String pid = Files.readString(Path.of("/run/vessel/lxcfs.pid")).strip();
            PanelProcess.host("kill", "-9", pid);
            for (int i = 0; i < ves.size(); i++) {
                int ve = ves.get(i);
                long expected = (i + 1) * MEMORY / 1024;
                PanelProcess.poll(Duration.ofSeconds(30), () -> exec(panel, ve, "head", "-1", "/proc/meminfo").contains(String.valueOf(expected)),
                        "VE " + ve + "'s /proc/meminfo to answer again after LXCFS was killed");
                assertTrue(!exec(panel, ve, "cat", "/proc/uptime").isBlank(), "every LXCFS file answers again");
                assertEquals(expected, memTotalKb(panel, ve), "each VE its own figure, not another's or the host's");
                assertTrue(panel.output().contains("Resource view restored ve=" + ve), panel.output());
            }
            assertTrue(!pid.equals(Files.readString(Path.of("/run/vessel/lxcfs.pid")).strip()), "a new LXCFS serves");
            assertEquals("UP", panel.get("/api/v1/health").json().at("/checks/kernel/status").asText(), panel.get("/api/v1/health").body());
        } finally {
            PanelProcess.host("rm", "-rf", work.toString());
        }
    }

    private static long memTotalKb(PanelProcess panel, int ve) {
        String text = exec(panel, ve, "cat", "/proc/meminfo");
        return Long.parseLong(text.lines().filter(l -> l.startsWith("MemTotal:")).findFirst().orElseThrow(() -> new AssertionError(text))
                .replaceAll("[^0-9]", ""));
    }

    /** The command's output, or "" when it failed (a view still unconnected): for polling. */
    private static String exec(PanelProcess panel, int ve, String... argv) {
        try {
            PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec",
                    PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv), "timeoutSeconds", 20)));
            return r.status() == 200 && r.json().get("exitCode").asInt() == 0 ? r.json().get("stdout").asText() : "";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
