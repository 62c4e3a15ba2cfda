package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarting the panel (an upgrade, {@code systemctl restart}) is invisible to tenants (issue 14): a TCP connection
 * into a VE through a port forward stays open and keeps answering while the panel is down and after it is back;
 * the host's rules and queueing disciplines for the VE are left exactly as they were (same nftables rule handles,
 * same qdiscs), not re-created; accounting has no gap longer than one interval.
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class PanelRestartIT {

    private static final int ACCOUNTING_SECONDS = 10;

    @TempDir
    Path work;

    @Test
    void aConnectionIntoAVeForwardsShapingAndAccountingCarryOnThroughAPanelRestart() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        String bridge = "vsr" + (System.nanoTime() % 100000);
        Path conf = Files.writeString(work.resolve("vessel.conf"), "kernel.network.bridge = " + bridge
                + "\nkernel.accounting.interval = " + ACCOUNTING_SECONDS + "\n");
        Map<String, String> env = PanelProcess.env("VESSEL_CONF", conf.toString());
        PanelProcess first = new PanelProcess(work, env).start();
        int ve;
        String before;
        Instant stopped;
        // a failure before the first panel's clean stop must not leave it running on the host (its exit watcher would
        // later tear down interfaces named like other tests' VEs)
        try (AutoCloseable firstGuard = () -> { if (first.isAlive()) { first.close(); } }; Socket socket = new Socket()) {
            assertEquals(201, first.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.12.0/24\",\"mode\":\"NAT\"}").status());
            ve = NetworkIT.createVe(first, "{\"template\":\"busybox\",\"ipPool\":\"lan\"}");
            VeLifecycleIT.awaitOperation(first, first.post("/api/v1/ves/" + ve + "/start", ""));
            NetworkIT.change(first, ve, "{\"limits\":{\"netInBitsPerSecond\":50000000,\"netOutBitsPerSecond\":50000000}}");
            exec(first, ve, "(nc -ll -p 7000 -e cat) </dev/null >/dev/null 2>&1 &");
            assertEquals(201, first.post("/api/v1/ves/" + ve + "/port-forwards", "{\"protocol\":\"tcp\",\"hostPort\":18070,\"port\":7000}").status());

            socket.connect(new java.net.InetSocketAddress("10.231.12.1", 18070), 5000);
            socket.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            assertEquals("before", echo(in, out, "before"));
            before = hostState(bridge, ve);
            awaitSample(first, ve, Instant.now());

            assertEquals(0, first.stop(), "a clean stop");
            stopped = Instant.now();
            assertEquals("while the panel is down", echo(in, out, "while the panel is down"));

            try (PanelProcess second = new PanelProcess(work, env).start()) {
                // how long no panel ran: under a loaded CI machine a restart alone can outlast one interval
                Duration down = Duration.between(stopped, Instant.now());
                assertEquals("after the restart", echo(in, out, "after the restart"));
                assertEquals(before, hostState(bridge, ve), "the VE's rules and queueing disciplines were left as they were");
                assertEquals("RUNNING", second.get("/api/v1/ves/" + ve).json().get("state").asText());

                PanelProcess.poll(Duration.ofSeconds(ACCOUNTING_SECONDS * 2 + 5), () -> sampleTimes(second, ve).stream().anyMatch(t -> t.isAfter(stopped)),
                        "a sample of VE " + ve + " by the restarted panel");
                List<Instant> samples = sampleTimes(second, ve);
                Duration longest = Duration.ZERO;
                for (int i = 1; i < samples.size(); i++) {
                    Duration gap = Duration.between(samples.get(i - 1), samples.get(i));
                    longest = gap.compareTo(longest) > 0 ? gap : longest;
                }
                assertTrue(samples.stream().anyMatch(s -> s.isBefore(stopped)), samples.toString());
                // no interval missed while a panel ran: the stopping panel samples last, the restarted one at once
                Duration allowed = Duration.ofSeconds(ACCOUNTING_SECONDS + 1).compareTo(down.plusSeconds(2)) >= 0
                        ? Duration.ofSeconds(ACCOUNTING_SECONDS + 1) : down.plusSeconds(2);
                assertTrue(longest.compareTo(allowed) <= 0, "no gap in accounting beyond one interval across the restart (the panel was down for "
                        + down.toMillis() + " ms): " + longest + " in " + samples);
            }
        }
    }

    /**
     * Whatever the start-up does in parallel or late, health says {@code 503} (as JSON) until the panel serves, and
     * the first {@code 200} means every component serves: the VE endpoints answer at once (here: a {@code 401} to an
     * anonymous caller, from the API itself, not a {@code 503} or {@code 404}).
     */
    @Test
    void healthAnswers503UntilEveryComponentServesAndNothingElse() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of())) {
            java.util.concurrent.CompletableFuture<PanelProcess> started = java.util.concurrent.CompletableFuture.supplyAsync(panel::start);
            // HTTP/1.1 as curl and load balancers ask (no h2c upgrade on every new connection)
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            List<String> answers = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    java.net.http.HttpResponse<String> health = http.send(HttpRequest.newBuilder(panel.uri("/api/v1/health"))
                            .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    String type = health.headers().firstValue("Content-Type").orElse("");
                    answers.add(health.statusCode() + " " + type);
                    if (health.statusCode() == 200) {
                        java.net.http.HttpResponse<String> ves = http.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves")).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                        assertEquals(401, ves.statusCode(), "the VE endpoints serve once health says 200: " + ves.body());
                        break;
                    }
                    // Felix's HTTP service opens its connector a few milliseconds before its whiteboard mounts the panel's
                    // servlets, and Jetty answers a request in between with its own 404 page: outside the panel's reach
                    // (a fix is to open the plain connector ourselves, as bundles/https does for HTTPS). From the panel's
                    // first answer on, it is 503 until everything serves, and nothing else.
                    boolean jettyBeforeMount = health.statusCode() == 404 && type.startsWith("text/html")
                            && answers.stream().noneMatch(a -> a.startsWith("503"));
                    if (jettyBeforeMount) {
                        answers.remove(answers.size() - 1);
                    } else {
                        assertEquals(503, health.statusCode(), "while starting: " + health.body());
                        assertTrue(type.startsWith("application/json") || type.startsWith("application/problem+json"), type);
                    }
                } catch (java.net.ConnectException notListeningYet) {
                    // Jetty not up yet
                } catch (java.io.IOException unanswered) {
                    // a connection closed without an answer (seen once, on a loaded CI machine, while Jetty started):
                    // no answer is not a wrong answer, and a client asks again; recorded for the failure message
                    answers.add("no answer (" + unanswered.getMessage() + ")");
                }
                Thread.sleep(5);
            }
            assertTrue(!answers.isEmpty() && answers.get(answers.size() - 1).startsWith("200"), "health became 200: " + answers);
            assertTrue(answers.stream().anyMatch(a -> a.startsWith("503")), "the start was watched from before it was ready: " + answers);
            started.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void anOpenAdminPageShowsWhatChangedWhileThePanelWasDownWithoutAReload() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 800);
            try {
                browser.get("http://127.0.0.1:" + panel.port + "/admin/");
                var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(30));
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("username"))).sendKeys("admin");
                browser.findElement(org.openqa.selenium.By.id("password")).sendKeys(PanelProcess.ADMIN_PASSWORD);
                browser.findElement(org.openqa.selenium.By.id("login")).click();
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("health")));
                browser.get("http://127.0.0.1:" + panel.port + "/admin/#/ves");
                org.openqa.selenium.By badge = org.openqa.selenium.By.cssSelector("[data-ve-state='" + ve + "']");
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBe(badge, "RUNNING"));
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.cssSelector("body[data-live='true']")));
                ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.sameDocument = true;");

                assertEquals(0, panel.stop());
                // while the panel is down the VE ends (its init killed behind everyone's back): no event can tell the page
                Path runc = panel.dataDir.resolve("run/runc");
                String container = PanelProcess.host("runc", "--root", runc.toString(), "list", "-q").lines().filter(l -> !l.isBlank()).findFirst().orElseThrow();
                PanelProcess.host("runc", "--root", runc.toString(), "kill", container, "KILL");
                panel.start();

                String state = panel.get("/api/v1/ves/" + ve).json().get("state").asText();
                assertTrue(!state.equals("RUNNING"), "the restarted panel found the VE ended: " + state);
                new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(30))
                        .until(org.openqa.selenium.support.ui.ExpectedConditions.textToBe(badge, state));
                assertEquals(Boolean.TRUE, ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("return window.sameDocument === true;"),
                        "the page refetched by itself, it was not reloaded");
                List<String> errors = PortalIT.consoleErrors(browser).stream().filter(e -> !e.contains("/api/v1/events")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console but the stream's own while the panel was down: " + errors);
            } finally {
                browser.quit();
            }
        }
    }

    private static String echo(BufferedReader in, OutputStream out, String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return in.readLine();
    }

    /** The VE's nftables chains, port forwards and queueing disciplines, with the kernel's handles. */
    private static String hostState(String bridge, int ve) {
        return PanelProcess.host("nft", "-a", "list", "chain", "bridge", "vessel-" + bridge, "ve" + ve)
                + PanelProcess.host("nft", "-a", "list", "table", "ip", "vessel-nat-" + bridge)
                + PanelProcess.host("tc", "qdisc", "show", "dev", "vh" + ve)
                + PanelProcess.host("tc", "qdisc", "show", "dev", "vi" + ve)
                + PanelProcess.host("tc", "filter", "show", "dev", "vh" + ve, "ingress");
    }

    private static void exec(PanelProcess panel, int ve, String script) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec",
                PanelProcess.JSON.writeValueAsString(Map.of("command", List.of("sh", "-c", script), "timeoutSeconds", 20)));
        assertEquals(200, r.status(), r.toString());
        assertEquals(0, r.json().get("exitCode").asInt(), r.toString());
    }

    /** Waits for an accounting sample of the VE taken at or after {@code after}. */
    private static void awaitSample(PanelProcess panel, int ve, Instant after) {
        PanelProcess.poll(Duration.ofSeconds(ACCOUNTING_SECONDS * 2 + 5), () -> {
            List<Instant> times = sampleTimes(panel, ve);
            return !times.isEmpty() && !times.get(times.size() - 1).isBefore(after.minusSeconds(1));
        }, "an accounting sample of VE " + ve);
    }

    /**
     * When the VE was sampled, to the second (floored), from its raw series: a one-second step from a whole second
     * keeps every sample in a bucket starting at its own second.
     */
    private static List<Instant> sampleTimes(PanelProcess panel, int ve) {
        Instant from = Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        JsonNode series = panel.get("/api/v1/ves/" + ve + "/usage?step=1s&from=" + from + "&to=" + Instant.now().plusSeconds(5)).json();
        List<Instant> times = new ArrayList<>();
        series.path("series").path("cpuNanosTotal").forEach(p -> times.add(Instant.parse(p.get("at").asText())));
        return times;
    }
}
