package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Templates through the REST API of the assembled panel: the built-in one, a Debian system built with
 * debootstrap from the host's mirror, rootfs tarballs in every supported compression, hostile tarballs, and the
 * rules that keep templates immutable (versions, retire, no deletion while a VE uses one).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.DEBIAN_CACHE_LOCK)
class TemplatesIT {

    private Path work;
    private PanelProcess panel;

    @BeforeAll
    void panel() throws Exception {
        work = PanelProcess.passableWorkDir("vessel-templates-it");
        panel = new PanelProcess(work, Map.of("VESSEL_CONF", PanelProcess.confWithDebianCache(work).toString())).start();
    }

    @AfterAll
    void stopPanel() throws Exception {
        panel.close();
        PanelProcess.host("rm", "-rf", work.toString());
    }

    @Test
    @Order(1)
    void theBuiltInTemplateIsListedWithItsVersion() {
        PanelProcess.poll(Duration.ofSeconds(30), () -> panel.get("/api/v1/templates/busybox").json().at("/0/state").asText().equals("READY"),
                "the busybox template to be built");
        JsonNode busybox = panel.get("/api/v1/templates/busybox").json().get(0);
        assertEquals("BUILTIN", busybox.get("source").asText());
        assertTrue(busybox.get("version").asInt() >= 1);
        assertTrue(busybox.get("sizeBytes").asLong() > 500_000, busybox.toString());
        assertEquals("/sbin/init", busybox.get("init").asText());
        assertProblem(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/templates/nothing")).GET()), 404, "There is no template nothing.");
    }

    @Test
    @Order(2)
    void tarballsInEveryCompressionBecomeTemplatesThatVesRun() throws Exception {
        Path rootfs = rootfs(work.resolve("rootfs"), "Tarball Linux 1.0");

        int version = 0;
        for (String[] format : List.of(new String[] {"", "tar"}, new String[] {"-z", "tar.gz"}, new String[] {"-J", "tar.xz"},
                new String[] {"--zstd", "tar.zst"})) {
            Path tarball = work.resolve("rootfs." + format[1]);
            List<String> tar = new java.util.ArrayList<>(List.of("tar", "--numeric-owner", "-C", rootfs.toString(), "-c"));
            if (!format[0].isEmpty()) {
                tar.add(format[0]);
            }
            tar.addAll(List.of("-f", tarball.toString(), "."));
            String out = PanelProcess.host(tar.toArray(String[]::new));
            assertTrue(Files.size(tarball) > 0, out);
            JsonNode operation = await(upload("/api/v1/templates/import?name=tarball&filename=rootfs." + format[1], tarball), Duration.ofSeconds(60));
            version++;
            assertEquals("/api/v1/templates/tarball/" + version, operation.get("result").asText(), format[1]);
        }
        JsonNode versions = panel.get("/api/v1/templates/tarball").json();
        assertEquals(4, versions.size(), "each import is a new version: " + versions);
        assertEquals(4, versions.get(0).get("version").asInt(), "newest first");
        JsonNode newest = versions.get(0);
        assertEquals("READY", newest.get("state").asText());
        assertEquals("Tarball Linux 1.0", newest.get("osName").asText());
        assertEquals("/sbin/vessel-init", newest.get("init").asText());
        assertTrue(newest.get("origin").asText().contains("rootfs.tar.zst"), newest.toString());

        // a VE from the newest version runs Vessel's init and its own files
        int ve = createVe("{\"template\":\"tarball\",\"hostname\":\"from-tarball\"}");
        JsonNode created = panel.get("/api/v1/ves/" + ve).json();
        assertEquals("tarball", created.get("template").asText());
        assertEquals(4, created.get("templateVersion").asInt());
        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
        assertEquals("from-tarball", exec(ve, "hostname").strip());
        assertTrue(exec(ve, "cat", "/etc/os-release").contains("Tarball Linux"));
        assertTrue(exec(ve, "ps", "-o", "pid,args").contains("1 {vessel-init}") || exec(ve, "ps", "-o", "pid,args").contains("vessel-init"),
                "PID 1 is Vessel's init");

        // an older version can be named; one in use cannot be deleted; an unused one can
        int older = createVe("{\"template\":\"tarball@2\"}");
        assertEquals(2, panel.get("/api/v1/ves/" + older).json().get("templateVersion").asInt());
        assertProblem(delete("/api/v1/templates/tarball/2"), 409, "Template tarball@2 is used by VE " + older
                + "; retire it to stop new VEs from using it, or reinstall or destroy those VEs first.");
        assertEquals(204, delete("/api/v1/templates/tarball/1").status());
        assertFalse(Files.exists(work.resolve("data/storage/pool/templates/tarball@1")), "its subvolume is gone");
        assertProblem(delete("/api/v1/templates/tarball/1"), 404, null);

        // retired: no new VEs, no reinstall onto it; existing VEs keep running
        assertEquals(200, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/templates/tarball")).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"retired\":true}"))).status());
        assertProblem(panel.post("/api/v1/ves", "{\"template\":\"tarball\"}"), 409, null);
        assertTrue(panel.get("/api/v1/templates/tarball").json().get(0).get("retired").asBoolean());
        assertEquals("from-tarball", exec(ve, "hostname").strip(), "running VEs are unaffected");
        assertEquals(200, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/templates/tarball")).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"retired\":false}"))).status());

        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/kill", ""));
        for (int id : List.of(ve, older)) {
            VeLifecycleIT.awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + id)).DELETE()));
        }
        assertEquals(204, delete("/api/v1/templates/tarball/2").status(), "deletable once no VE uses it");
    }

    @Test
    @Order(3)
    void hostileAndBrokenTarballsAreRefusedAtOnceAndNothingIsKept() throws Exception {
        Path evil = Files.createDirectory(work.resolve("evil"));
        Files.createDirectories(evil.resolve("bin"));
        Files.createSymbolicLink(evil.resolve("bin/sh"), Path.of("../../../../bin/sh"));
        Files.createSymbolicLink(evil.resolve("etc"), Path.of("/etc"));
        PanelProcess.host("mknod", evil.resolve("disk").toString(), "b", "7", "0");
        Path tarball = work.resolve("evil.tar.gz");
        PanelProcess.host("tar", "-C", evil.toString(), "-czf", tarball.toString(), ".");
        // append an entry that would be written through the etc -> /etc link, with a name climbing out of the root
        Path extra = Files.createDirectories(work.resolve("extra/etc"));
        Files.writeString(extra.resolve("cron.d-evil"), "* * * * * root rm -rf /\n");
        Path plain = work.resolve("evil.tar");
        PanelProcess.host("sh", "-c", "gzip -dc " + tarball + " > " + plain + " && tar -C " + work.resolve("extra") + " -rf " + plain
                + " etc/cron.d-evil && tar -rf " + plain + " -P --transform 's,^,../../,' -C " + work.resolve("extra") + " etc/cron.d-evil");

        TreeSet<String> before = templateNames();
        PanelProcess.Response refused = upload("/api/v1/templates/import?name=evil", plain);
        assertProblem(refused, 422, null);
        String detail = refused.json().get("detail").asText();
        assertTrue(detail.contains("'./disk' is a device node"), detail);
        assertTrue(detail.contains("'./bin/sh' -> '../../../../bin/sh' points out of the root"), detail);
        assertTrue(detail.contains("'etc/cron.d-evil' would be written through the symbolic link 'etc'"), detail);
        assertTrue(detail.contains("climbs out of the root"), detail);
        assertFalse(Files.exists(Path.of("/etc/cron.d-evil")));

        Path garbage = Files.writeString(work.resolve("garbage.tar.gz"), "not a tarball ".repeat(100));
        assertProblem(upload("/api/v1/templates/import?name=garbage", garbage), 422, null);
        Path empty = Files.writeString(work.resolve("empty.tar"), "");
        assertProblem(upload("/api/v1/templates/import?name=empty", empty), 400, null);
        assertProblem(upload("/api/v1/templates/import", garbage), 400, null);
        assertProblem(upload("/api/v1/templates/import?name=Bad%20Name", garbage), 400, null);
        assertProblem(upload("/api/v1/templates/import?name=busybox", garbage), 409, null);

        assertEquals(before, templateNames(), "refused uploads leave no template behind");
        try (var uploads = Files.list(work.resolve("data/tmp/uploads"))) {
            assertEquals(0, uploads.count(), "and no upload file");
        }
    }

    @Test
    @Order(4)
    void aDebianTemplateIsBuiltWithProgressAndRunsAsAVe() throws Exception {
        assertProblem(panel.post("/api/v1/templates", "{\"name\":\"debian\",\"source\":\"debootstrap\",\"suite\":\"narnia\"}"), 400, null);
        assertProblem(panel.post("/api/v1/templates", "{\"name\":\"debian\",\"source\":\"debootstrap\",\"suite\":\"bookworm\",\"variant\":\"huge\"}"), 400, null);
        assertProblem(panel.post("/api/v1/templates", "{\"name\":\"debian\",\"source\":\"debootstrap\",\"suite\":\"bookworm\",\"mirror\":\"ftp://x\"}"), 400, null);
        assertProblem(panel.post("/api/v1/templates", "{\"name\":\"debian\",\"source\":\"debootstrap\",\"suite\":\"bookworm\",\"packages\":[\"rm -rf\"]}"), 400, null);
        assertProblem(panel.post("/api/v1/templates", "{\"name\":\"debian\",\"source\":\"floppy\"}"), 400, null);

        PanelProcess.Response accepted = panel.post("/api/v1/templates", "{\"name\":\"debian-12\",\"source\":\"debootstrap\",\"suite\":\"bookworm\"}");
        assertEquals(202, accepted.status(), accepted.toString());
        assertProblem(panel.post("/api/v1/templates", "{\"name\":\"debian-12\",\"source\":\"debootstrap\",\"suite\":\"bookworm\"}"), 409,
                "Template 'debian-12' is being built already; wait for it to finish.");
        assertProblem(panel.post("/api/v1/ves", "{\"template\":\"debian-12\"}"), 409, "Template 'debian-12' has no ready version yet; it is being built.");
        TreeSet<Integer> progress = new TreeSet<>();
        String id = accepted.json().get("id").asText();
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(Duration.ofMinutes(10), () -> {
            last[0] = panel.get("/api/v1/operations/" + id).json();
            progress.add(last[0].get("progress").asInt());
            return last[0].get("state").asText().matches("SUCCEEDED|FAILED");
        }, "the Debian template build");
        assertEquals("SUCCEEDED", last[0].get("state").asText(), last[0].toString());
        assertTrue(progress.subSet(1, 100).size() >= 5, "progress is reported along the way: " + progress);

        JsonNode debian = panel.get("/api/v1/templates/debian-12/1").json();
        assertEquals("READY", debian.get("state").asText());
        assertTrue(debian.get("osName").asText().startsWith("Debian GNU/Linux 12"), debian.toString());
        assertTrue(debian.get("origin").asText().startsWith("debootstrap bookworm minbase http"), debian.toString());

        int ve = createVe("{\"template\":\"debian-12\",\"hostname\":\"deb1\"}");
        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
        assertTrue(exec(ve, "cat", "/etc/debian_version").startsWith("12."));
        assertEquals("deb1", exec(ve, "hostname").strip());
        assertEquals("0", exec(ve, "id", "-u").strip());
        assertTrue(exec(ve, "dpkg-query", "-W", "-f", "${Package}\\n").contains("apt"), "a real Debian with its package manager");
        assertEquals("", exec(ve, "cat", "/etc/resolv.conf"), "nothing of the host's configuration is copied in");
        // the seccomp filter, seen from a real program: keyctl(2) looks absent, bpf(2) is refused
        assertEquals("-1 Function not implemented", exec(ve, "perl", "-e", "print syscall(250, 0, 0), ' ', $!").strip());
        assertEquals("-1 Operation not permitted", exec(ve, "perl", "-e", "print syscall(321, 0, 0, 0), ' ', $!").strip());
        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/stop?timeout=10", ""));
        assertProblem(delete("/api/v1/templates/debian-12/1"), 409, null);
        VeLifecycleIT.awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
        assertEquals(204, delete("/api/v1/templates/debian-12/1").status());
    }

    /** A small root file system (busybox, a shell, os-release naming {@code prettyName}) to import as a template. */
    static Path rootfs(Path dir, String prettyName) throws java.io.IOException {
        Path rootfs = Files.createDirectory(dir);
        for (String d : List.of("bin", "etc", "root", "tmp", "proc", "sys", "dev")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String applet : List.of("sh", "cat", "hostname", "sleep", "kill", "id", "ps", "ls", "echo")) {
            Files.createSymbolicLink(rootfs.resolve("bin/" + applet), Path.of("busybox"));
        }
        Files.createSymbolicLink(rootfs.resolve("sbin"), Path.of("bin")); // a merged-/usr style link Vessel's init goes through
        Files.writeString(rootfs.resolve("etc/os-release"), "PRETTY_NAME=\"" + prettyName + "\"\nID=tarball\n");
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        return rootfs;
    }

    private PanelProcess.Response upload(String path, Path file) throws Exception {
        return panel.send(HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(file)));
    }

    private PanelProcess.Response delete(String path) {
        return panel.send(HttpRequest.newBuilder(panel.uri(path)).DELETE());
    }

    private TreeSet<String> templateNames() {
        TreeSet<String> names = new TreeSet<>();
        panel.get("/api/v1/templates").json().forEach(t -> names.add(t.get("name").asText() + "@" + t.get("version").asInt()));
        return names;
    }

    private JsonNode await(PanelProcess.Response accepted, Duration timeout) {
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.json().get("id").asText();
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(timeout, () -> {
            last[0] = panel.get("/api/v1/operations/" + id).json();
            return last[0].get("state").asText().matches("SUCCEEDED|FAILED");
        }, "operation " + id);
        assertEquals("SUCCEEDED", last[0].get("state").asText(), last[0].toString());
        return last[0];
    }

    private int createVe(String body) {
        JsonNode operation = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", body));
        return Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", ""));
    }

    private String exec(int ve, String... argv) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv))));
        assertEquals(200, r.status(), r.toString());
        assertEquals(0, r.json().get("exitCode").asInt(), r.body());
        return r.json().get("stdout").asText();
    }
}
