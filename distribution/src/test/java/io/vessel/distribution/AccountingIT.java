package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Accounting of real VEs through the assembled panel, sampling every second: CPU while spinning and idle, memory
 * peak of a known allocation, disk use of a written file, counters that never go backwards across a VE restart
 * and a panel crash, the usage series API and the Prometheus endpoint.
 */
class AccountingIT {

    @TempDir
    Path work;

    @Test
    void usageIsMeasuredStoredAndExposed() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        Path conf = Files.writeString(work.resolve("vessel.conf"), "kernel.accounting.interval = 1\n");
        Map<String, String> env = PanelProcess.env("VESSEL_CONF", conf.toString());
        Instant testStart = Instant.now().minusSeconds(5);
        int ve;
        double cpuBeforeCrash;
        try (PanelProcess panel = new PanelProcess(work, env).start()) {
            ve = Integer.parseInt(VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\"}"))
                    .get("result").asText().replace("/api/v1/ves/", ""));
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            JsonNode first = awaitUsage(panel, ve, u -> true);

            // CPU time rises while the VE spins, and stays flat while it idles
            double before = first.get("cpuNanosTotal").asDouble();
            exec(panel, ve, 20, "timeout", "3", "sh", "-c", "while :; do :; done");
            Instant spinEnded = Instant.now();
            // a sample taken after the spin ended (the latest one may still be from the middle of it)
            JsonNode spun = awaitUsage(panel, ve, u -> Instant.parse(u.get("at").asText()).isAfter(spinEnded.plusMillis(200)));
            // at least a third of it: the class runs beside another one on two cores, whose load takes its share
            double spunSeconds = (spun.get("cpuNanosTotal").asDouble() - before) / 1e9;
            assertTrue(spunSeconds >= 1.0 && spunSeconds <= 3.5, "3 s of spinning show: " + spunSeconds + " s in " + spun);
            double afterSpin = spun.get("cpuNanosTotal").asDouble();
            Thread.sleep(3000);
            double idle = awaitUsage(panel, ve, u -> Instant.parse(u.get("at").asText()).isAfter(Instant.parse(spun.get("at").asText()).plusSeconds(2)))
                    .get("cpuNanosTotal").asDouble();
            assertTrue(idle - afterSpin < 0.3e9, "an idle VE uses next to no CPU: " + (idle - afterSpin) / 1e9 + " s in 3 s");

            // the memory peak reflects a known allocation of 60 MB, also after it is freed
            exec(panel, ve, 30, "sh", "-c", "x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo ${#x}");
            // (a sample may catch the shell still holding it; the next ones must show it gone and the peak kept)
            JsonNode peak = awaitUsage(panel, ve, u -> u.get("memoryPeakBytes").asLong() >= 60_000_000L
                    && u.get("memoryBytes").asLong() < 60_000_000L);
            assertTrue(peak.get("memoryBytes").asLong() < 60_000_000L, "the allocation is gone, its peak stays: " + peak);

            // disk use reflects a written file (btrfs accounts at its next commit, which sync forces)
            long diskBefore = first.get("diskBytes").asLong();
            exec(panel, ve, 30, "sh", "-c", "dd if=/dev/urandom of=/root/data bs=1M count=20 2>/dev/null && sync");
            JsonNode written = awaitUsage(panel, ve, u -> u.get("diskBytes").asLong() - diskBefore >= 19L << 20);
            assertTrue(written.get("writeBytesTotal").asLong() > 0 || written.get("diskBytes").asLong() > diskBefore, written.toString());

            // files are counted from the storage driver, not by walking them
            long inodesBefore = awaitUsage(panel, ve, u -> u.path("diskInodes").asLong() > 100).get("diskInodes").asLong();
            exec(panel, ve, 30, "sh", "-c", "mkdir /root/many && cd /root/many && i=0; while [ $i -lt 200 ]; do : > f$i; i=$((i+1)); done; sync");
            awaitUsage(panel, ve, u -> u.path("diskInodes").asLong() >= inodesBefore + 201);

            // counters never go backwards when the VE restarts
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/restart", ""));
            JsonNode restarted = awaitUsage(panel, ve, u -> Instant.parse(u.get("at").asText()).isAfter(Instant.now().minusMillis(500)));
            assertTrue(restarted.get("cpuNanosTotal").asDouble() >= idle, "lifetime CPU after a restart: " + restarted);

            // the series API: points per metric in time order, monotonic counters
            JsonNode series = panel.get("/api/v1/ves/" + ve + "/usage?from=" + testStart + "&step=1").json();
            assertEquals("raw", series.get("resolution").asText());
            JsonNode cpu = series.at("/series/cpuNanosTotal");
            assertTrue(cpu.size() >= 5, series.toString());
            for (int i = 1; i < cpu.size(); i++) {
                assertTrue(cpu.get(i).get("value").asDouble() >= cpu.get(i - 1).get("value").asDouble(), "never backwards: " + cpu);
                assertTrue(Instant.parse(cpu.get(i).get("at").asText()).isAfter(Instant.parse(cpu.get(i - 1).get("at").asText())));
            }
            assertTrue(series.at("/series/memoryPeakBytes").size() >= 5);
            JsonNode coarse = panel.get("/api/v1/ves/" + ve + "/usage?from=" + testStart + "&step=5m").json();
            assertEquals("1m", coarse.get("resolution").asText(), "steps of minutes read the minute rollups");
            assertProblem(panel.get("/api/v1/ves/" + ve + "/usage?step=0"), 400, null);
            assertProblem(panel.get("/api/v1/ves/" + ve + "/usage?from=yesterday"), 400, null);
            assertProblem(panel.get("/api/v1/ves/" + ve + "/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"), 400, null);
            assertProblem(panel.get("/api/v1/ves/99999/usage"), 404, null);

            // Prometheus
            PanelProcess.Response metrics = panel.get("/api/v1/metrics");
            assertEquals(200, metrics.status());
            assertTrue(metrics.contentType().startsWith("text/plain") && metrics.contentType().contains("version=0.0.4"), metrics.contentType());
            assertTrue(metrics.body().contains("# TYPE vessel_ve_cpu_seconds_total counter"), metrics.body());
            assertTrue(metrics.body().contains("vessel_ve_up{ve=\"" + ve + "\"} 1"), metrics.body());
            assertTrue(metrics.body().contains("vessel_ve_memory_limit_bytes{ve=\"" + ve + "\"} 536870912"), metrics.body());

            cpuBeforeCrash = awaitUsage(panel, ve, u -> true).get("cpuNanosTotal").asDouble();
            panel.crash();
        }
        // lifetime totals survive a crash of the panel
        try (PanelProcess panel = new PanelProcess(work, env).start()) {
            JsonNode after = awaitUsage(panel, ve, u -> true);
            assertTrue(after.get("cpuNanosTotal").asDouble() >= cpuBeforeCrash, "after a panel crash: " + after + " < " + cpuBeforeCrash);
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/kill", ""));
            PanelProcess.poll(Duration.ofSeconds(10), () -> {
                JsonNode usage = panel.get("/api/v1/ves/" + ve).json().path("usage");
                return usage.isNull() || usage.isMissingNode();
            }, "a stopped VE to show no current usage");
        }
    }

    private static JsonNode awaitUsage(PanelProcess panel, int ve, java.util.function.Predicate<JsonNode> condition) {
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(Duration.ofSeconds(45), () -> {
            last[0] = panel.get("/api/v1/ves/" + ve).json().path("usage");
            return !last[0].isNull() && !last[0].isMissingNode() && condition.test(last[0]);
        }, "usage of VE " + ve + " to show what was done; last: " + last[0]);
        return last[0];
    }

    private static void exec(PanelProcess panel, int ve, int timeout, String... argv) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec",
                PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv), "timeoutSeconds", timeout)));
        assertEquals(200, r.status(), r.toString());
    }
}
