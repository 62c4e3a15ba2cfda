package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Backups of real VEs with Debian's restic, against the assembled panel: made as operations by the VE's owner, with
 * the VE's own owners (not the host's shifted ids) in the repository, readable with the provider's recovery key and
 * plain restic; incremental; deleted again; invisible to another customer; and a {@code kill -9} of the panel during
 * a backup leaves no restic, no snapshot, no view and no lock behind.
 */
class BackupsIT {

    /**
     * The panel of the tests that need nothing of their own (a configuration, a crash, the provider's repository): each
     * has customers, VEs and repositories of its own, and a panel's start is most of a test's CPU (the suite is bound
     * by CPU). Started by the first of them.
     */
    @org.junit.jupiter.api.io.TempDir
    static Path sharedWork;
    private static PanelProcess sharedPanel;

    private static synchronized PanelProcess shared() {
        if (sharedPanel == null) {
            sharedPanel = new PanelProcess(sharedWork, Map.of()).start();
        }
        return sharedPanel;
    }

    @org.junit.jupiter.api.AfterAll
    static void stopSharedPanel() throws Exception {
        if (sharedPanel != null) {
            sharedPanel.close();
        }
    }

    @Test
    void aCustomerBacksUpARunningVeAsItSeesItAndNobodyElseSeesTheBackups() throws Exception {
        Path work = sharedWork;
        PanelProcess panel = shared();
        String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Backed Up Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(tenant, "bea", "customer-owner", "Bea-Password-1");
        String other = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Nosy Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(other, "nosy", "customer-owner", "Nosy-Password-1");
        PanelProcess.As bea = panel.login("bea", "Bea-Password-1");
        PanelProcess.As nosy = panel.login("nosy", "Nosy-Password-1");

        int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"backed\",\"owner\":\"" + tenant + "\"}");
        awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
        exec(panel, ve, "sh", "-c", "mkdir -p /srv && echo hello > /srv/owned && chown 33:44 /srv/owned && chmod 4750 /srv/owned"
                + " && ln /srv/owned /srv/hard && ln -s /etc /srv/etc-link && head -c 3000000 /dev/urandom > /srv/random");

        // nothing yet; a backup is an operation whose result is the backup
        assertEquals(0, bea.get("/api/v1/ves/" + ve + "/backups").json().size());
        assertProblem(bea.post("/api/v1/ves/" + ve + "/backups", "{\"target\":\"elsewhere\"}"), 400, null);
        JsonNode made = awaitOperation(panel, bea.post("/api/v1/ves/" + ve + "/backups", "{\"note\":\"before the upgrade\"}"));
        String first = made.get("result").asText().replace("/api/v1/ves/" + ve + "/backups/", "");
        JsonNode backup = bea.get("/api/v1/ves/" + ve + "/backups/" + first).json();
        assertEquals("DONE", backup.get("state").asText(), backup.toString());
        assertEquals("before the upgrade", backup.get("note").asText());
        assertEquals("bea", backup.get("madeBy").asText());
        assertTrue(backup.get("files").asLong() >= 5, backup.toString());
        assertTrue(backup.get("bytesAdded").asLong() > 1_000_000, "the random MiBs are stored: " + backup);
        assertTrue(backup.get("frozenMs").asLong() < 5_000, backup.toString());
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText(), "the VE runs on");

        // the repository holds the VE's own owners and links, readable with plain restic and the recovery key
        Path data = work.resolve("data");
        Path repository = data.resolve("backups").resolve(tenant);
        Path restored = work.resolve("restored");
        restic(repository, data.resolve("keys/backup-recovery.key"), "restore", "latest", "--target", restored.toString());
        Path root = restored; // the tree starts at the VE's root
        Path owned = root.resolve("srv/owned");
        assertTrue(Files.exists(owned), "restored: " + PanelProcess.host("find", restored.toString(), "-maxdepth", "3"));
        assertEquals(33, Files.getAttribute(owned, "unix:uid"), "the VE's own owner, not the host's shifted id");
        assertEquals(44, Files.getAttribute(owned, "unix:gid"));
        assertEquals(04750, (int) Files.getAttribute(owned, "unix:mode") & 07777, "the set-uid bit is kept");
        assertEquals(2, Files.getAttribute(owned, "unix:nlink"), "hard links stay one file");
        assertEquals(0, Files.getAttribute(root.resolve("bin/busybox"), "unix:uid"), "root in the VE is root in the backup");
        assertEquals(Path.of("/etc"), Files.readSymbolicLink(root.resolve("srv/etc-link")), "links are stored, never followed");
        assertEquals(3_000_000L, Files.size(root.resolve("srv/random")));

        // unchanged: the next backup stores next to nothing
        JsonNode again = awaitOperation(panel, bea.post("/api/v1/ves/" + ve + "/backups", ""));
        String second = again.get("result").asText().replace("/api/v1/ves/" + ve + "/backups/", "");
        JsonNode incremental = bea.get("/api/v1/ves/" + ve + "/backups/" + second).json();
        assertTrue(incremental.get("bytesAdded").asLong() < 200_000, "an unchanged VE adds next to nothing: " + incremental);
        assertEquals(2, bea.get("/api/v1/ves/" + ve + "/backups").json().size());

        // restored in place from the first backup: what was removed comes back, what came since goes, the VE runs on
        exec(panel, ve, "sh", "-c", "rm /srv/owned /srv/hard && echo since > /srv/added");
        JsonNode restoredOp = awaitOperation(panel, bea.post("/api/v1/ves/" + ve + "/backups/" + first + "/restore", ""));
        assertEquals("/api/v1/ves/" + ve, restoredOp.get("result").asText());
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText(), "a running VE runs again");
        assertEquals("33 44 4750 2", stdout(panel, ve, "stat", "-c", "%u %g %a %h", "/srv/owned").strip(),
                "owners, set-uid bit and hard link as the VE had them");
        assertEquals("/etc", stdout(panel, ve, "readlink", "/srv/etc-link").strip());
        assertEquals("gone", stdout(panel, ve, "sh", "-c", "test -e /srv/added && echo there || echo gone").strip());
        assertEquals(404, nosy.post("/api/v1/ves/" + ve + "/backups/" + first + "/restore", "").status());

        // into a new VE with another id (so another range of host ids): made by whoever may make VEs, owned by the tenant
        String intoNew = "/api/v1/ves/" + ve + "/backups/" + first + "/restore";
        assertProblem(bea.post(intoNew, "{\"newVe\":{\"hostname\":\"copy\"}}"), 403, null);
        JsonNode copied = awaitOperation(panel, panel.post(intoNew, "{\"newVe\":{\"hostname\":\"copy\"}}"));
        int copy = Integer.parseInt(copied.get("result").asText().replace("/api/v1/ves/", ""));
        JsonNode copyVe = bea.get("/api/v1/ves/" + copy).json();
        assertEquals("copy", copyVe.get("hostname").asText());
        assertEquals("STOPPED", copyVe.get("state").asText());
        awaitOperation(panel, panel.post("/api/v1/ves/" + copy + "/start", ""));
        assertEquals("33 44 4750 2", stdout(panel, copy, "stat", "-c", "%u %g %a %h", "/srv/owned").strip(), "the VE's own ids, in another VE");
        assertEquals(3_000_000L, Long.parseLong(stdout(panel, copy, "stat", "-c", "%s", "/srv/random").strip()));

        // browsed and downloaded: a directory's entries with the VE's owners, a file as it was, a directory as .tar.zst
        String files = "/api/v1/ves/" + ve + "/backups/" + first + "/files?path=";
        JsonNode srv = bea.get(files + "/srv").json();
        assertEquals("/srv", srv.get("path").asText());
        JsonNode ownedEntry = entry(srv, "owned");
        assertEquals(33, ownedEntry.get("uid").asInt(), srv.toString());
        assertEquals("file", ownedEntry.get("type").asText());
        assertEquals("symlink", entry(srv, "etc-link").get("type").asText());
        assertEquals(3_000_000L, entry(srv, "random").get("size").asLong());
        assertTrue(bea.get(files).json().get("entries").toString().contains("\"name\":\"srv\""), "the root lists /srv");
        assertProblem(bea.get(files + "/srv/owned"), 400, null);
        assertProblem(bea.get(files + "/srv/../../etc"), 400, null);
        assertProblem(bea.get(files + "/nothing-here"), 404, null);
        var file = panel.download("/api/v1/ves/" + ve + "/backups/" + first + "/download?path=/srv/owned");
        assertEquals(200, file.statusCode());
        assertEquals("hello\n", new String(file.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(file.headers().firstValue("Content-Disposition").orElse("").contains("filename=\"owned\""));
        var tree = panel.download("/api/v1/ves/" + ve + "/backups/" + first + "/download?path=/srv");
        assertEquals(200, tree.statusCode());
        Path archive = Files.write(work.resolve("srv.tar.zst"), tree.body());
        String listing = PanelProcess.host("sh", "-c", "zstd -dc " + archive + " | tar -tv");
        assertTrue(listing.contains("srv/owned") && listing.contains("srv/etc-link -> /etc"), listing);
        assertEquals(404, nosy.get(files + "/srv").status());
        assertEquals(404, nosy.get("/api/v1/ves/" + ve + "/backups/" + first + "/download?path=/srv/owned").status());

        // another customer: not found, whatever it tries
        assertEquals(404, nosy.get("/api/v1/ves/" + ve + "/backups").status());
        assertEquals(404, nosy.get("/api/v1/ves/" + ve + "/backups/" + first).status());
        assertEquals(404, nosy.post("/api/v1/ves/" + ve + "/backups", "").status());
        assertEquals(404, nosy.send("DELETE", "/api/v1/ves/" + ve + "/backups/" + first, null).status());
        assertEquals(403, bea.get("/api/v1/backup-targets").status(), "targets are the provider's business");
        JsonNode targets = panel.get("/api/v1/backup-targets").json();
        assertEquals("local", targets.get(0).get("id").asText(), targets.toString());
        assertTrue(targets.get(0).get("reachable").asBoolean(), targets.toString());

        // deleted: gone from the list and from the repository
        awaitOperation(panel, bea.send("DELETE", "/api/v1/ves/" + ve + "/backups/" + first, null));
        JsonNode left = bea.get("/api/v1/ves/" + ve + "/backups").json();
        assertEquals(1, left.size(), left.toString());
        assertEquals(second, left.get(0).get("id").asText());
        assertEquals(1, PanelProcess.JSON.readTree(restic(repository, data.resolve("keys/backup-recovery.key"), "snapshots", "--json")).size());
        assertEquals(404, bea.get("/api/v1/ves/" + ve + "/backups/" + first).status());

        // the VE destroyed: its backup stays in the tenant's list and comes back as a new VE made like it
        awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/stop?timeout=10", ""));
        awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
        JsonNode mine = bea.get("/api/v1/backups").json();
        JsonNode orphan = null;
        for (JsonNode b : mine) {
            orphan = b.at("/backup/id").asText().equals(second) ? b : orphan;
        }
        assertFalse(orphan.get("veExists").asBoolean(), mine.toString());
        assertEquals("backed", orphan.get("hostname").asText());
        assertEquals(0, nosy.get("/api/v1/backups").json().size(), "another customer sees none of them");
        assertEquals(404, nosy.send("DELETE", "/api/v1/backups/" + second, null).status());
        assertProblem(bea.post("/api/v1/backups/" + second + "/restore", "{\"newVe\":{}}"), 403, null); // customers do not make VEs
        JsonNode reborn = awaitOperation(panel, panel.post("/api/v1/backups/" + second + "/restore", "{\"newVe\":{\"hostname\":\"reborn\"}}"));
        int rebornId = Integer.parseInt(reborn.get("result").asText().replace("/api/v1/ves/", ""));
        assertEquals(tenant, bea.get("/api/v1/ves/" + rebornId).json().get("owner").asText(), "it is the customer's again");
        awaitOperation(panel, panel.post("/api/v1/ves/" + rebornId + "/start", ""));
        assertEquals("hello", stdout(panel, rebornId, "cat", "/srv/owned").strip());

        // nothing of the snapshots is left on the host
        assertFalse(mounted(work, "snapshot-views"), "no snapshot view stays mounted");
        assertEquals("", PanelProcess.host("sh", "-c", "ls " + data.resolve("storage/pool/snapshots") + " 2>/dev/null").strip(),
                "no snapshot is left");
    }

    /**
     * Single files and directories come back into the running VE, which runs on, written by an extractor inside the
     * VE's own namespaces: a directory the tenant swapped for a symbolic link to {@code /etc}, or a FIFO where a file
     * goes, can only ever touch the VE's own files. The VE's pre-backup script runs before the snapshot, and one that
     * fails fails the backup.
     */
    @Test
    void singleFilesComeBackIntoTheRunningVeAndAPlantedLinkNeverLeavesIt() throws Exception {
        Path work = sharedWork;
        PanelProcess panel = shared();
        String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Files Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(tenant, "fay", "customer-owner", "Fay-Password-1");
        String other = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Other Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(other, "otto", "customer-owner", "Otto-Password-1");
        PanelProcess.As fay = panel.login("fay", "Fay-Password-1");
        PanelProcess.As otto = panel.login("otto", "Otto-Password-1");
        int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"files\",\"owner\":\"" + tenant + "\"}");
        awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
        exec(panel, ve, "sh", "-c", "mkdir -p /srv/site/css /etc/vessel && echo '<h1>home</h1>' > /srv/site/index.html"
                + " && echo 'body{}' > /srv/site/css/main.css && chown -R 33:33 /srv/site && chmod 0640 /srv/site/css/main.css"
                + " && echo secret > /srv/note && chown 5:6 /srv/note && chmod 4750 /srv/note"
                + " && printf '#!/bin/sh\\necho flushed for $VESSEL_BACKUP > /srv/flushed\\n' > /etc/vessel/pre-backup"
                + " && chmod 755 /etc/vessel/pre-backup");
        // a btrfs subvolume inside the VE (a privileged VE may make them): the VE's snapshot holds it as an empty
        // directory, so the backup reads its own snapshot too
        Path area = work.resolve("data/storage/pool/ves/" + ve);
        assertEquals(0, new ProcessBuilder("btrfs", "subvolume", "create", area.resolve("srv/volume").toString()).inheritIO().start().waitFor());
        Files.setAttribute(area.resolve("srv/volume"), "unix:uid", Files.getAttribute(area, "unix:uid"));
        Files.setAttribute(area.resolve("srv/volume"), "unix:gid", Files.getAttribute(area, "unix:gid"));
        exec(panel, ve, "sh", "-c", "echo kept > /srv/volume/data && chown 7:8 /srv/volume/data");
        JsonNode made = awaitOperation(panel, fay.post("/api/v1/ves/" + ve + "/backups", ""));
        assertEquals("SUCCEEDED", made.get("state").asText(), made.toString());
        String backup = made.get("result").asText().replace("/api/v1/ves/" + ve + "/backups/", "");
        assertTrue(stdout(panel, ve, "cat", "/srv/flushed").contains("flushed for " + backup), "the pre-backup script ran with the backup's id");
        String files = "/api/v1/ves/" + ve + "/backups/" + backup + "/files?path=/srv";
        assertEquals("file", entry(fay.get(files).json(), "flushed").get("type").asText(), "it ran before the snapshot");
        assertEquals("file", entry(fay.get(files.replace("path=/srv", "path=/srv/volume")).json(), "data").get("type").asText(),
                "the subvolume's files are in the backup");

        // lost and changed since; a process of the tenant's runs throughout
        exec(panel, ve, "sh", "-c", "rm -rf /srv/site /srv/volume/data && echo changed > /srv/note && echo later > /srv/later"
                + " && (sleep 1000 > /dev/null 2>&1 &) && true");
        String sleeper = stdout(panel, ve, "pidof", "sleep").strip();
        String restore = "/api/v1/ves/" + ve + "/backups/" + backup + "/restore";
        JsonNode back = awaitOperation(panel, fay.post(restore, "{\"paths\":[\"/srv/site\",\"/srv/note\",\"/srv/volume/data\"]}"));
        assertEquals("SUCCEEDED", back.get("state").asText(), back.toString());
        assertEquals("/api/v1/ves/" + ve, back.get("result").asText());
        assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
        assertEquals(sleeper, stdout(panel, ve, "pidof", "sleep").strip(), "the VE ran on: the tenant's process is the same");
        assertEquals("<h1>home</h1>", stdout(panel, ve, "cat", "/srv/site/index.html").strip());
        assertEquals("33 33 640", stdout(panel, ve, "stat", "-c", "%u %g %a", "/srv/site/css/main.css").strip(), "owners and mode as they were");
        assertEquals("5 6 4750 secret", stdout(panel, ve, "sh", "-c", "stat -c '%u %g %a' /srv/note | tr '\\n' ' '; cat /srv/note").strip(),
                "a single file with its owner, set-uid bit and content");
        assertEquals("later", stdout(panel, ve, "cat", "/srv/later").strip(), "what is not restored stays");
        assertEquals("7 8 kept", stdout(panel, ve, "sh", "-c", "stat -c '%u %g' /srv/volume/data | tr '\\n' ' '; cat /srv/volume/data").strip(),
                "a file of the subvolume, with its owner");

        // somewhere else in the VE, beside what is there now
        awaitOperation(panel, fay.post(restore, "{\"paths\":[\"/srv/site\"],\"into\":\"/root/restored\"}"));
        assertEquals("<h1>home</h1>", stdout(panel, ve, "cat", "/root/restored/srv/site/index.html").strip());

        // the tenant plants a link to /etc where the directory goes and a FIFO where the file goes: its own /etc only
        exec(panel, ve, "sh", "-c", "rm -rf /srv/site && ln -s /etc /srv/site && rm /srv/note && mkfifo /srv/note");
        JsonNode attacked = awaitOperation(panel, fay.post(restore, "{\"paths\":[\"/srv/site\",\"/srv/note\"]}"));
        assertEquals("SUCCEEDED", attacked.get("state").asText(), attacked.toString());
        assertFalse(Files.exists(Path.of("/etc/index.html")), "no host file is written through the tenant's link");
        assertFalse(Files.exists(Path.of("/etc/css/main.css")));
        assertEquals("<h1>home</h1>", stdout(panel, ve, "cat", "/etc/index.html").strip(), "the link led into the VE's own /etc");
        assertEquals("secret", stdout(panel, ve, "cat", "/srv/note").strip(), "the FIFO was replaced, never written through");

        // refused before anything happens
        assertProblem(fay.post(restore, "{\"paths\":[\"/srv/../etc\"]}"), 400, null);
        assertProblem(fay.post(restore, "{\"paths\":[]}"), 400, null);
        assertProblem(fay.post(restore, "{\"paths\":[\"/\"]}"), 400, null);
        assertProblem(fay.post(restore, "{\"paths\":[\"/not/there\"]}"), 404, null);
        assertEquals(404, otto.post(restore, "{\"paths\":[\"/srv/site\"]}").status(), "another customer finds nothing");

        // a pre-backup script that fails fails the backup and says why
        exec(panel, ve, "sh", "-c", "printf '#!/bin/sh\\necho database is locked >&2\\nexit 3\\n' > /etc/vessel/pre-backup");
        JsonNode refused = awaitOperationLong(panel, fay.post("/api/v1/ves/" + ve + "/backups", ""));
        assertEquals("FAILED", refused.get("state").asText(), refused.toString());
        assertTrue(refused.path("error").toString().contains("exited with status 3: database is locked"), refused.toString());

        awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/stop?timeout=10", ""));
        assertProblem(fay.post(restore, "{\"paths\":[\"/srv/site\"]}"), 409, null);
    }

    @Test
    void aPanelKilledDuringABackupLeavesNoResticNoSnapshotAndNoLock(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        int ve;
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"crashy\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            // enough data that the backup is still running when the panel is killed
            exec(panel, ve, "sh", "-c", "mkdir -p /srv && for i in 1 2 3 4 5 6 7 8; do head -c 64000000 /dev/urandom > /srv/r$i; done");
            PanelProcess.Response accepted = panel.post("/api/v1/ves/" + ve + "/backups", "");
            assertEquals(202, accepted.status(), accepted.toString());
            String operation = accepted.json().get("id").asText();
            PanelProcess.poll(Duration.ofSeconds(60), () -> panel.get("/api/v1/operations/" + operation).json().path("message").asText()
                    .startsWith("backed up"), "restic reading the VE");
            List<ProcessHandle> restic = restics(work);
            assertFalse(restic.isEmpty(), "restic runs");
            String cgroup = Files.readString(Path.of("/proc/" + restic.get(0).pid() + "/cgroup"));
            assertTrue(cgroup.contains("/work-backup"), "restic runs in the backups' own cgroup: " + cgroup);
            panel.crash();
        }
        PanelProcess.poll(Duration.ofSeconds(10), () -> restics(work).isEmpty(),
                "restic dies with the panel");
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            JsonNode backups = panel.get("/api/v1/ves/" + ve + "/backups").json();
            assertEquals(1, backups.size(), backups.toString());
            assertEquals("FAILED", backups.get(0).get("state").asText());
            assertEquals("the panel stopped while the backup was being made", backups.get(0).get("error").asText());
            assertFalse(mounted(work, "snapshot-views"), "no snapshot view stays mounted");
            assertEquals("", PanelProcess.host("sh", "-c", "ls " + work.resolve("data/storage/pool/snapshots") + " 2>/dev/null").strip(),
                    "no snapshot is left");
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText(), "the VE ran through it, thawed");
            // the repository is not left locked: the next backup is made
            JsonNode next = awaitOperationLong(panel, panel.post("/api/v1/ves/" + ve + "/backups", ""));
            assertEquals("SUCCEEDED", next.get("state").asText(), next.toString());
            String backup = next.get("result").asText().replace("/api/v1/ves/" + ve + "/backups/", "");

            // killed again, now while a restore writes its tree: the VE keeps its files as they were
            exec(panel, ve, "sh", "-c", "echo after > /srv/after");
            PanelProcess.Response restoring = panel.post("/api/v1/ves/" + ve + "/backups/" + backup + "/restore", "");
            assertEquals(202, restoring.status(), restoring.toString());
            String restoreOperation = restoring.json().get("id").asText();
            PanelProcess.poll(Duration.ofSeconds(60), () -> panel.get("/api/v1/operations/" + restoreOperation).json().path("message").asText()
                    .startsWith("restored"), "restic writing the restored tree");
            panel.crash();
        }
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
            assertEquals("after", stdout(panel, ve, "cat", "/srv/after").strip(), "wholly the old file system");
            assertEquals("", PanelProcess.host("sh", "-c", "ls " + work.resolve("data/storage/pool/restores") + " 2>/dev/null").strip(),
                    "the unfinished restore is gone");
            assertFalse(mounted(work, "restore-views"), "no restore view stays mounted");
        }
    }

    /**
     * A schedule makes backups at its times and keeps what its retention says (restic's forget policy), the list
     * following; customers may not schedule more often than the panel allows, bad expressions and zones are refused.
     */
    @Test
    void aScheduleBacksUpAtItsTimesAndKeepsWhatItsRetentionSays() throws Exception {
        Path work = sharedWork;
        PanelProcess panel = shared();
        String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Every Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(tenant, "eve", "customer-owner", "Eve-Password-12");
        PanelProcess.As eve = panel.login("eve", "Eve-Password-12");
        int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"scheduled\",\"owner\":\"" + tenant + "\"}");
        String schedule = "/api/v1/ves/" + ve + "/backup-schedule";
        assertEquals(404, eve.get(schedule).status());
        assertProblem(eve.send("PUT", schedule, "{\"cron\":\"*/5 * * * * *\"}"), 422, null); // more often than every hour
        assertProblem(eve.send("PUT", schedule, "{\"cron\":\"61 * * * *\"}"), 400, null);
        assertProblem(eve.send("PUT", schedule, "{\"cron\":\"0 3 * * *\",\"timeZone\":\"Mars/Olympus\"}"), 400, null);
        assertProblem(eve.send("PUT", schedule, "{\"cron\":\"0 3 * * *\",\"keep\":{\"daily\":-1}}"), 400, null);
        PanelProcess.Response set = eve.send("PUT", schedule, "{\"cron\":\"0 3 * * *\",\"timeZone\":\"Europe/Berlin\",\"spreadMinutes\":30,"
                + "\"keep\":{\"daily\":7,\"weekly\":4}}");
        assertEquals(200, set.status(), set + panel.output().lines().filter(l -> l.contains("Exception") || l.contains("ERROR") || l.contains("WARN")).limit(40).collect(java.util.stream.Collectors.joining("\n")));
        JsonNode daily = set.json();
        java.time.ZonedDateTime at = java.time.Instant.parse(daily.get("nextRunAt").asText()).atZone(java.time.ZoneId.of("Europe/Berlin"));
        assertTrue(at.getHour() == 3 && at.getMinute() <= 30, "03:00 in Berlin, spread by up to 30 min: " + at);

        // the provider schedules every 5 seconds, keeping the last 2
        PanelProcess.Response often = panel.send(java.net.http.HttpRequest.newBuilder(panel.uri(schedule)).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"cron\":\"*/5 * * * * *\",\"keep\":{\"last\":2}}")));
        assertEquals(200, often.status(), often.toString());
        java.util.Set<String> seen = new java.util.HashSet<>();
        PanelProcess.poll(Duration.ofSeconds(120), () -> {
            JsonNode list = eve.get("/api/v1/ves/" + ve + "/backups").json();
            list.forEach(b -> seen.add(b.get("id").asText()));
            long done = 0;
            for (JsonNode b : list) {
                done += b.get("state").asText().equals("DONE") ? 1 : 0;
            }
            return seen.size() >= 3 && list.size() == 2 && done == 2;
        }, "scheduled backups, the older ones forgotten");
        JsonNode kept = eve.get("/api/v1/ves/" + ve + "/backups").json();
        assertEquals("scheduled", kept.get(0).get("note").asText());
        assertEquals("schedule", kept.get(0).get("madeBy").asText());
        JsonNode state = eve.get(schedule).json();
        assertTrue(state.hasNonNull("lastRunAt"), state.toString());
        Path data = work.resolve("data");
        assertTrue(PanelProcess.JSON.readTree(restic(data.resolve("backups").resolve(tenant), data.resolve("keys/backup-recovery.key"), "snapshots",
                "--json")).size() <= 3, "the repository forgets what the list forgets (one more may be being made)");
        assertEquals(204, eve.send("DELETE", schedule, null).status());
        assertEquals(404, eve.get(schedule).status());
    }

    /**
     * Verification: a repository's check passes, then, with a byte of a pack file changed on the disk, a check of all
     * its data finds the damage, marks its backups and mails the provider.
     */
    @Test
    void aDamagedRepositoryIsFoundByItsCheckAndTheProviderIsTold(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String provider = panel.get("/api/v1/me").json().at("/tenant/id").asText();
            String admin = panel.createAccount(provider, "ops", "provider-admin", "Ops-Password-123");
            assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/accounts/" + admin)).header("Content-Type", "application/json")
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"email\":\"ops@provider.test\"}"))).status());
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"checked\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            exec(panel, ve, "sh", "-c", "head -c 2000000 /dev/urandom > /root/data");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/backups", ""));
            JsonNode repositories = panel.get("/api/v1/backup-repositories").json();
            assertEquals(1, repositories.size(), repositories.toString());
            String repository = repositories.get(0).get("id").asText();
            assertEquals("provider", repositories.get(0).get("tenant").asText());
            assertTrue(repositories.get(0).get("storedBytes").asLong() > 1_000_000, repositories.toString());
            awaitOperation(panel, panel.post("/api/v1/backup-repositories/" + repository + "/check", ""));
            assertTrue(panel.get("/api/v1/backup-repositories").json().get(0).get("checkOk").asBoolean());

            // a byte changed in the biggest pack file (where the random data went)
            Path packs = work.resolve("data/backups/provider/data");
            Path biggest;
            try (var files = Files.walk(packs)) {
                biggest = files.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
            }
            try (var file = new java.io.RandomAccessFile(biggest.toFile(), "rw")) {
                long at = file.length() / 2;
                file.seek(at);
                int b = file.read();
                file.seek(at);
                file.write(b ^ 0xff);
            }
            PanelProcess.Response checking = panel.post("/api/v1/backup-repositories/" + repository + "/check", "{\"all\":true}");
            assertEquals(202, checking.status(), checking.toString());
            String operation = checking.json().get("id").asText();
            JsonNode[] op = new JsonNode[1];
            PanelProcess.poll(Duration.ofSeconds(120), () -> (op[0] = panel.get("/api/v1/operations/" + operation + "?wait=20").json())
                    .get("state").asText().matches("SUCCEEDED|FAILED"), "the check");
            assertEquals("FAILED", op[0].get("state").asText(), op[0].toString());
            JsonNode checked = panel.get("/api/v1/backup-repositories").json().get(0);
            assertFalse(checked.get("checkOk").asBoolean(), checked.toString());
            assertTrue(panel.get("/api/v1/ves/" + ve + "/backups").json().get(0).get("damaged").asBoolean(), "its backups are marked");
            Path outbox = work.resolve("data/outbox");
            PanelProcess.poll(Duration.ofSeconds(20), () -> NotificationsIT.mails(outbox).stream().anyMatch(m -> m.contains("To: ops@provider.test")
                    && m.contains("A backup repository is damaged")), "the provider's mail about the damage");

            // the admin panel's Backups page (the backup bundle's, through the UI SPI) shows it, and backs the panel up
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 900);
            try {
                var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(60));
                String base = "http://127.0.0.1:" + panel.port;
                PortalIT.logIn(browser, base + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                browser.get(base + "/admin/#/plugin/io.vessel.backup/backups-admin");
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(
                        org.openqa.selenium.By.cssSelector("[data-check='" + repository + "']"), "damaged"));
                assertTrue(browser.findElement(org.openqa.selenium.By.cssSelector("[data-target='local']")).getText().contains("reachable"));
                click(wait, org.openqa.selenium.By.id("backup-panel-now"));
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(
                        org.openqa.selenium.By.cssSelector("[data-panel-backup]")));
                PortalIT.screenshot(browser, "admin-backups");
                List<String> errors = PortalIT.consoleErrors(browser).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                browser.quit();
            }
        }
    }

    /**
     * The SFTP target against a real OpenSSH server on 127.0.0.1: with an impostor's host key pinned nothing is sent
     * and the backup fails saying why; with the server's own key the backup lands in its directory, as a repository
     * plain restic opens with the recovery key.
     */
    @Test
    void backupsGoToAnSftpServerWhoseHostKeyIsPinnedAndAnImpostorIsRefused(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        try (SftpServer server = new SftpServer(work)) {
            Path store = server.store;
            Path vesselConf = work.resolve("vessel.conf");
            Files.writeString(vesselConf, server.conf("impostor.pub"));
            int ve;
            try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", vesselConf.toString())).start()) {
                ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"offsite\"}");
                JsonNode sftp = null;
                for (JsonNode t : panel.get("/api/v1/backup-targets").json()) {
                    sftp = t.get("id").asText().equals("sftp") ? t : sftp;
                }
                assertFalse(sftp.get("reachable").asBoolean(), "an impostor's server is not reachable: " + sftp);
                PanelProcess.Response accepted = panel.post("/api/v1/ves/" + ve + "/backups", "");
                JsonNode op = awaitOperationLong(panel, accepted);
                assertEquals("FAILED", op.get("state").asText(), op.toString());
                assertTrue(op.get("error").asText().contains("did not present the pinned host key"), op.toString());
                assertTrue(sftp.get("health").asText().contains("did not present the pinned host key"), sftp.toString());
                assertFalse(Files.exists(store.resolve("provider")), "nothing was sent");
                panel.stop();
            }
            Files.writeString(vesselConf, server.conf("host.pub"));
            try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", vesselConf.toString())).start()) {
                JsonNode sftp = null;
                for (JsonNode t : panel.get("/api/v1/backup-targets").json()) {
                    sftp = t.get("id").asText().equals("sftp") ? t : sftp;
                }
                assertTrue(sftp.get("reachable").asBoolean(), sftp.toString());
                assertTrue(sftp.get("freeBytes").asLong() > 0, sftp.toString());
                JsonNode op = awaitOperationLong(panel, panel.post("/api/v1/ves/" + ve + "/backups", "{\"note\":\"offsite\"}"));
                assertEquals("SUCCEEDED", op.get("state").asText(), op.toString());
                JsonNode made = panel.get(op.get("result").asText()).json();
                assertEquals("sftp", made.get("target").asText());
                assertEquals(1, PanelProcess.JSON.readTree(restic(store.resolve("provider"), work.resolve("data/keys/backup-recovery.key"),
                        "snapshots", "--json")).size(), "the repository is on the server, opened by the recovery key");
                // the panel's own key on the server is its cheap one (restic's costs half a second at every call); the
                // provider's recovery key stays as restic made it
                List<Integer> costs = new java.util.ArrayList<>();
                try (var keys = Files.list(store.resolve("provider/keys"))) {
                    for (Path key : keys.toList()) {
                        costs.add(PanelProcess.JSON.readTree(key.toFile()).get("N").asInt());
                    }
                }
                assertEquals(2, costs.size(), costs.toString());
                assertTrue(costs.contains(1024) && costs.stream().anyMatch(n -> n > 1024), "the panel's key cheap, the recovery key restic's: " + costs);
            }
        }
    }

    /**
     * The host is lost: the panel's own backup (database, keys, configuration), restored by the documented procedure
     * with plain restic and the recovery key into a fresh data directory, brings back the customer's login, its VE and
     * the audit log — and, since the backup master key came back too, the VE's own backup restores its files.
     */
    @Test
    void thePanelsOwnBackupRestoresIntoAFreshDataDirectoryAfterTheHostIsLost(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path lost = Files.createDirectories(work.resolve("lost-host"));
        Path offsite = Files.createDirectories(work.resolve("offsite"));
        Path conf = Files.writeString(work.resolve("vessel.conf"), "backup.directory = " + offsite + "\n");
        Path recovery = work.resolve("recovery.key");
        int ve;
        String tenant;
        try (PanelProcess panel = new PanelProcess(lost, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Survivor Ltd\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(tenant, "dora", "customer-owner", "Dora-Password-12");
            ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"survivor\",\"owner\":\"" + tenant + "\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            exec(panel, ve, "sh", "-c", "echo irreplaceable > /root/thesis");
            awaitOperation(panel, panel.login("dora", "Dora-Password-12").post("/api/v1/ves/" + ve + "/backups", ""));
            awaitOperation(panel, panel.post("/api/v1/panel-backups", ""));
            JsonNode panelBackups = panel.get("/api/v1/panel-backups").json();
            assertEquals(1, panelBackups.size(), panelBackups.toString());
            assertEquals("", PanelProcess.host("sh", "-c", "ls " + lost.resolve("data/run/panel-backup") + " 2>/dev/null").strip(),
                    "the staging directory (keys in clear) is gone");
            // what the provider keeps off the machine
            Files.copy(lost.resolve("data/keys/backup-recovery.key"), recovery);
        }
        PanelProcess.host("rm", "-rf", lost.toString()); // the host is gone: its data directory and the VEs' storage with it

        // the procedure of docs/backups.md, with plain tools
        Path fresh = Files.createDirectories(work.resolve("new-host"));
        Path unpacked = work.resolve("panel-restore");
        restic(offsite.resolve("panel"), recovery, "restore", "latest", "--tag", "panel", "--target", unpacked.toString());
        assertTrue(Files.readString(unpacked.resolve("FORMAT")).contains("database=h2-backup-zip"));
        Path data = Files.createDirectories(fresh.resolve("data/db"));
        PanelProcess.host("unzip", "-q", unpacked.resolve("database").toString(), "-d", data.toString());
        PanelProcess.host("cp", "-a", unpacked.resolve("keys").toString(), unpacked.resolve("node-id").toString(), fresh.resolve("data").toString());

        try (PanelProcess panel = new PanelProcess(fresh, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            PanelProcess.As dora = panel.login("dora", "Dora-Password-12");
            JsonNode restoredVe = dora.get("/api/v1/ves/" + ve).json();
            assertEquals("survivor", restoredVe.get("hostname").asText(), "the customer, its login and its VE are back");
            assertTrue(panel.get("/api/v1/audit").body().contains("\"actor\":\"dora\""), "the audit log is back (dora's backup before the loss)");
            JsonNode backups = dora.get("/api/v1/ves/" + ve + "/backups").json();
            assertEquals(1, backups.size(), backups.toString());
            // the VE's files were lost with the host; its backup opens with the restored master key
            awaitOperation(panel, dora.post("/api/v1/ves/" + ve + "/backups/" + backups.get(0).get("id").asText() + "/restore", ""));
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            assertEquals("irreplaceable", stdout(panel, ve, "cat", "/root/thesis").strip());
        }
    }

    /**
     * A plan's backup slots (billing answers the backup bundle's BackupQuota): a backup past them is refused naming
     * the limit, a schedule keeping more than them is refused, and deleting one makes room.
     */
    @Test
    void aPlanLimitsTheBackupsKeptTheirStorageAndThoseOfSuspendedVes() throws Exception {
        Path work = sharedWork;
        PanelProcess panel = shared();
        String tenant = BillingApi.customerWithOwner(panel, "Slotted Ltd", "slotty");
        PanelProcess.As slotty = panel.login("slotty", "Owner-Password-1");
        String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"two-backups\",\"name\":\"Two backups\","
                + "\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"5.00\",\"quotas\":{\"backupSlots\":2}}"));
        assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}").status());
        int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"slotted\",\"owner\":\"" + tenant + "\"}");
        String backups = "/api/v1/ves/" + ve + "/backups";
        awaitOperation(panel, slotty.post(backups, ""));
        String second = awaitOperation(panel, slotty.post(backups, "")).get("result").asText();
        PanelProcess.Response third = slotty.post(backups, "");
        assertProblem(third, 409, "The plan keeps at most 2 backups and 2 are kept; delete one first, or change the plan.");
        assertProblem(slotty.send("PUT", "/api/v1/ves/" + ve + "/backup-schedule", "{\"cron\":\"0 3 * * *\",\"keep\":{\"daily\":7}}"), 422, null);
        assertEquals(200, slotty.send("PUT", "/api/v1/ves/" + ve + "/backup-schedule", "{\"cron\":\"0 3 * * *\",\"keep\":{\"last\":2}}").status());
        awaitOperation(panel, slotty.send("DELETE", second, null));
        awaitOperation(panel, slotty.post(backups, ""));

        // another customer's plan includes no backup storage, and no backups of suspended VEs
        String frugal = BillingApi.customerWithOwner(panel, "Frugal Ltd", "frugal");
        PanelProcess.As frugalOwner = panel.login("frugal", "Owner-Password-1");
        String noStorage = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"no-storage\",\"name\":\"No storage\","
                + "\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"3.00\",\"quotas\":{\"backupGiB\":0,\"backupsWhileSuspended\":false}}"));
        assertEquals(false, panel.get("/api/v1/billing/plans/" + noStorage).json().at("/definition/quotas/backupsWhileSuspended").asBoolean(true),
                "the plan keeps what it says");
        int frugalVe = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"frugal\",\"owner\":\"" + frugal + "\"}");
        assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + frugal + "\",\"plan\":\"" + noStorage
                + "\",\"ve\":" + frugalVe + "}").status());
        assertProblem(frugalOwner.post("/api/v1/ves/" + frugalVe + "/backups", ""), 409,
                "The plan stores at most 0 GiB of backups and 0 KiB are stored; delete backups first, or change the plan.");
        awaitOperation(panel, panel.post("/api/v1/ves/" + frugalVe + "/start", ""));
        awaitOperation(panel, panel.post("/api/v1/ves/" + frugalVe + "/suspend", ""));
        String frugalSchedule = "/api/v1/ves/" + frugalVe + "/backup-schedule";
        assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri(frugalSchedule)).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"cron\":\"*/5 * * * * *\",\"keep\":{\"last\":2}}"))).status());
        JsonNode[] skipped = new JsonNode[1];
        PanelProcess.poll(Duration.ofSeconds(60), () -> (skipped[0] = panel.get(frugalSchedule).json()).path("lastOutcome").asText()
                .equals("SKIPPED"), "a scheduled time passing");
        assertEquals("VE " + frugalVe + " is suspended, and its plan backs up no suspended VE.", skipped[0].get("lastError").asText());
    }

    /**
     * A plan's backup schedule backs up the VEs on it, until a VE's owner sets a schedule of its own; the schedule
     * follows the plan (a VE without a subscription has none).
     */
    @Test
    void aPlansScheduleBacksUpItsVesUntilTheOwnerSetsItsOwn(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "backup.plan.schedule.sync = 2s\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String tenant = BillingApi.customerWithOwner(panel, "Planned Ltd", "planned");
            PanelProcess.As owner = panel.login("planned", "Owner-Password-1");
            assertProblem(panel.post("/api/v1/billing/plans", "{\"code\":\"bad\",\"name\":\"Bad\",\"currency\":\"EUR\",\"period\":\"MONTH\","
                    + "\"price\":\"1.00\",\"backupSchedule\":{\"cron\":\"every night\",\"timeZone\":\"Mars/Olympus\"}}"), 422, null);
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"nightly\",\"name\":\"Nightly\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"4.00\",\"backupSchedule\":{\"cron\":\"*/5 * * * * *\",\"keep\":{\"last\":2}}}"));
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"planned\",\"owner\":\"" + tenant + "\"}");
            int unplanned = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"unplanned\",\"owner\":\"" + tenant + "\"}");
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\",\"ve\":" + ve + "}")
                    .status());
            String schedule = "/api/v1/ves/" + ve + "/backup-schedule";
            JsonNode[] followed = new JsonNode[1];
            PanelProcess.poll(Duration.ofSeconds(30), () -> owner.get(schedule).status() == 200
                    && (followed[0] = owner.get(schedule).json()).path("fromPlan").asBoolean(), "the plan's schedule on the VE");
            assertEquals("*/5 * * * * *", followed[0].get("cron").asText());
            assertEquals(2, followed[0].at("/keep/last").asInt());
            assertEquals(404, owner.get("/api/v1/ves/" + unplanned + "/backup-schedule").status(), "a VE on no plan has no schedule");
            PanelProcess.poll(Duration.ofSeconds(90), () -> owner.get("/api/v1/ves/" + ve + "/backups").json().size() >= 2,
                    "backups made by the plan's schedule");

            // the owner's own schedule replaces the plan's, and stays
            JsonNode own = owner.send("PUT", schedule, "{\"cron\":\"0 3 * * *\",\"keep\":{\"daily\":7}}").json();
            assertFalse(own.get("fromPlan").asBoolean(), own.toString());
            Thread.sleep(4_000);
            assertEquals("0 3 * * *", owner.get(schedule).json().get("cron").asText(), "the plan does not take it back");
        }
    }

    /**
     * A terminated customer's backups go: once it owns no VE, it is told the date, and after the retention its
     * repository is erased; a customer with a VE keeps its backups, and the provider erases one on request.
     */
    @Test
    void aTerminatedCustomersBackupsGoAfterTheRetentionAndOnRequest(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "backup.terminated.retention = 3s\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String gone = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Gone Ltd\",\"kind\":\"CUSTOMER\"}"));
            String goneOwner = panel.createAccount(gone, "gone", "customer-owner", "Gone-Password-1");
            assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/accounts/" + goneOwner)).header("Content-Type",
                    "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"email\":\"gone@customer.test\"}"))).status());
            String staying = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Staying Ltd\",\"kind\":\"CUSTOMER\"}"));
            int goneVe = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"gone\",\"owner\":\"" + gone + "\"}");
            int stayingVe = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"staying\",\"owner\":\"" + staying + "\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + goneVe + "/backups", ""));
            awaitOperation(panel, panel.post("/api/v1/ves/" + stayingVe + "/backups", ""));
            awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + goneVe)).DELETE()));
            Path repositories = work.resolve("data/backups");
            assertTrue(Files.isDirectory(repositories.resolve(gone)), "the destroyed VE's backup stays for now");

            // the nightly task: the customer without a VE is told, its backups kept for the retention
            String task = "/api/v1/scheduled-tasks/backup.retention/run";
            assertTrue(panel.post(task, "").status() / 100 == 2);
            PanelProcess.poll(Duration.ofSeconds(20), () -> NotificationsIT.mails(work.resolve("data/outbox")).stream()
                    .anyMatch(m -> m.contains("To: gone@customer.test") && m.contains("Your backups will be deleted on")), "the customer's mail");
            JsonNode marked = repositoryOf(panel, gone);
            assertTrue(marked.hasNonNull("orphanedSince"), marked.toString());
            assertFalse(repositoryOf(panel, staying).hasNonNull("orphanedSince"), "a customer with a VE keeps its backups");

            // after the retention: erased, the repository's directory with it
            Thread.sleep(3_500);
            assertTrue(panel.post(task, "").status() / 100 == 2);
            PanelProcess.poll(Duration.ofSeconds(60), () -> !Files.exists(repositories.resolve(gone)), "the repository erased");
            PanelProcess.poll(Duration.ofSeconds(10), () -> repositoryOrNull(panel, gone) == null, "its record gone");
            assertEquals(0, panel.get("/api/v1/backups?tenant=" + gone).json().size(), "no backup of it is listed");
            assertEquals(1, panel.get("/api/v1/ves/" + stayingVe + "/backups").json().size(), "the other customer's backup stays");

            // erasure on request: the provider erases the other customer's repository on the admin panel's Backups page
            String repository = repositoryOf(panel, staying).get("id").asText();
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 900);
            try {
                var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(60));
                PortalIT.logIn(browser, "http://127.0.0.1:" + panel.port + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                browser.get("http://127.0.0.1:" + panel.port + "/admin/#/plugin/io.vessel.backup/backups-admin");
                click(wait, org.openqa.selenium.By.cssSelector("button[aria-label='Erase the repository of " + staying + "']"));
                click(wait, org.openqa.selenium.By.cssSelector("#dialog-form button[type=submit]"));
                wait.until(toastSaid(
                        "are erased"));
                List<String> errors = PortalIT.consoleErrors(browser).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                browser.quit();
            }
            PanelProcess.poll(Duration.ofSeconds(30), () -> !Files.exists(repositories.resolve(staying)), "the repository erased");
            assertEquals(0, panel.get("/api/v1/ves/" + stayingVe + "/backups").json().size());
            assertProblem(panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/backup-repositories/" + repository)).DELETE()), 404, null);
            // a new backup makes a new repository
            assertEquals("SUCCEEDED", awaitOperation(panel, panel.post("/api/v1/ves/" + stayingVe + "/backups", "")).get("state").asText());
        }
    }

    /**
     * The toast said {@code text}: read from its text content, which stays when the toast hides itself after 6 s —
     * on a loaded machine the wait may look only after that.
     */
    private static org.openqa.selenium.support.ui.ExpectedCondition<Boolean> toastSaid(String text) {
        return org.openqa.selenium.support.ui.ExpectedConditions.attributeContains(org.openqa.selenium.By.id("toast"), "textContent", text);
    }

    private static JsonNode repositoryOf(PanelProcess panel, String tenant) {
        JsonNode found = repositoryOrNull(panel, tenant);
        assertTrue(found != null, "no repository of " + tenant + " in " + panel.get("/api/v1/backup-repositories").body());
        return found;
    }

    private static JsonNode repositoryOrNull(PanelProcess panel, String tenant) {
        for (JsonNode r : panel.get("/api/v1/backup-repositories").json()) {
            if (r.get("tenant").asText().equals(tenant)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Backup storage as a billing meter: the bytes a tenant's backups take, held over time, billed in GiB-hours by a
     * plan that charges for {@code backup.storage.gib-hours} (the backup bundle announces, billing records).
     */
    @Test
    void backupStorageIsBilledInGibHours(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String tenant = BillingApi.customerWithOwner(panel, "Hoarder Ltd", "hoarder");
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"stored\",\"name\":\"Stored\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"1.00\",\"charges\":[{\"meter\":\"backup.storage.gib-hours\",\"price\":{\"model\":\"perUnit\","
                    + "\"unitPrice\":\"10.00\"}}]}"));
            java.time.ZonedDateTime monthStart = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).withDayOfMonth(1).toLocalDate()
                    .atStartOfDay(java.time.ZoneOffset.UTC);
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}").status());
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"hoard\",\"owner\":\"" + tenant + "\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            exec(panel, ve, "sh", "-c", "head -c 40000000 /dev/urandom > /root/hoard");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/backups", ""));
            BillingApi.move(panel, monthStart.plusMonths(1).plusHours(1).toInstant().toString());
            PanelProcess.poll(Duration.ofSeconds(30), () -> {
                BillingApi.run(panel);
                JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
                for (JsonNode i : list) {
                    if (panel.get("/api/v1/billing/invoices/" + i.get("id").asText()).body().contains("Backup storage (GiB-hours)")) {
                        return true;
                    }
                }
                return false;
            }, "an invoice line for backup storage");
            JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
            JsonNode storage = null;
            for (JsonNode i : list) {
                for (JsonNode line : panel.get("/api/v1/billing/invoices/" + i.get("id").asText()).json().get("lines")) {
                    storage = line.get("description").asText().startsWith("Backup storage") ? line : storage;
                }
            }
            assertTrue(new java.math.BigDecimal(storage.get("quantity").asText()).signum() > 0, storage.toString());
            assertTrue(new java.math.BigDecimal(storage.get("amount").asText()).signum() >= 0, storage.toString());
        }
    }

    /** A customer on a phone: the VE's Backups tab (contributed by the backup bundle) backs up and restores. */
    @Test
    void theBackupsTabBacksUpAndRestoresFromThePortal() throws Exception {
        Path work = sharedWork;
        PanelProcess panel = shared();
        String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Tab Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(tenant, "tabby", "customer-owner", "Tabby-Password-1");
        int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"tabbed\",\"owner\":\"" + tenant + "\"}");
        awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
        exec(panel, ve, "sh", "-c", "echo kept > /root/precious");
        org.openqa.selenium.WebDriver phone = PortalIT.chromium(390, 844);
        try {
            var wait = new org.openqa.selenium.support.ui.WebDriverWait(phone, Duration.ofSeconds(60));
            String base = "http://127.0.0.1:" + panel.port;
            PortalIT.logIn(phone, base + "/portal/", "tabby", "Tabby-Password-1");
            phone.get(base + "/portal/#/ves/" + ve);
            click(wait, org.openqa.selenium.By.cssSelector("[data-plugin-tab='io.vessel.backup/ve-backups']"));
            click(wait, org.openqa.selenium.By.id("backup-now"));
            wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("dialog-form-note")))
                    .sendKeys("from my phone");
            phone.findElement(org.openqa.selenium.By.cssSelector("#dialog-form button[type=submit]")).click();
            org.openqa.selenium.By done = org.openqa.selenium.By.cssSelector("#ve-backups [data-backup-state]");
            wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(done, "DONE"));
            assertTrue(phone.findElement(org.openqa.selenium.By.id("ve-backups")).getText().contains("from my phone"));
            AdminPanelIT.assertFitsAndLabelled(phone, "backups tab");
            ((org.openqa.selenium.JavascriptExecutor) phone).executeScript("document.getElementById('plugin-tabs').scrollIntoView()");
            PortalIT.screenshot(phone, "portal-backups");

            // its files: open /root, and the file's download link gives the file as it was
            var js = (org.openqa.selenium.JavascriptExecutor) phone;
            js.executeScript("arguments[0].click()", phone.findElement(org.openqa.selenium.By.cssSelector("#ve-backups button[aria-label^='Files of']")));
            js.executeScript("arguments[0].click()", wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(
                    org.openqa.selenium.By.cssSelector("[data-file='/root'] button"))));
            org.openqa.selenium.WebElement link = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(
                    org.openqa.selenium.By.cssSelector("a[download='precious']")));
            Object fetched = js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + "fetch(arguments[0], { credentials: 'same-origin' }).then(r => r.text()).then(done, e => done('failed ' + e));",
                    link.getAttribute("href"));
            assertEquals("kept\n", fetched);
            PortalIT.screenshot(phone, "portal-backup-files");

            // put back into the running server from the file list
            exec(panel, ve, "sh", "-c", "rm /root/precious");
            js.executeScript("arguments[0].click()", phone.findElement(org.openqa.selenium.By.cssSelector("button[aria-label='Put /root/precious back']")));
            click(wait, org.openqa.selenium.By.cssSelector("#dialog-form button[type=submit]"));
            wait.until(toastSaid(
                    "is back in server"));
            assertEquals("kept", stdout(panel, ve, "cat", "/root/precious").strip(), "the file is back, the server ran on");
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());

            exec(panel, ve, "sh", "-c", "rm /root/precious");
            // the toast of the backup may cover the button on a phone: clicked as a script would
            ((org.openqa.selenium.JavascriptExecutor) phone).executeScript("arguments[0].click()", wait.until(
                    org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(
                            org.openqa.selenium.By.cssSelector("#ve-backups button[aria-label^='Restore from']"))));
            click(wait, org.openqa.selenium.By.cssSelector("#dialog-form button[type=submit]"));
            wait.until(toastSaid(
                    "is restored"));
            assertEquals("kept", stdout(panel, ve, "cat", "/root/precious").strip(), "the file is back");
            List<String> errors = PortalIT.consoleErrors(phone).stream().filter(e -> !e.contains("favicon")).toList();
            assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
        } finally {
            phone.quit();
        }
    }

    private static void click(org.openqa.selenium.support.ui.WebDriverWait wait, org.openqa.selenium.By target) {
        wait.until(org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable(target)).click();
    }

    static JsonNode awaitOperationLong(PanelProcess panel, PanelProcess.Response accepted) {
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.json().get("id").asText();
        return panel.awaitOperation(id, Duration.ofMinutes(5));
    }

    /** Whether one of the {@code kind} views (snapshot-views, restore-views) of the panel in {@code work} is mounted. */
    private static boolean mounted(Path work, String kind) {
        return PanelProcess.host("cat", "/proc/self/mountinfo").lines().anyMatch(l -> l.contains(kind) && l.contains(work.toString()));
    }

    /** The restic processes working on the repositories of the panel in {@code work} (other tests' panels may run theirs). */
    private static List<ProcessHandle> restics(Path work) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/restic")).orElse(false))
                .filter(p -> String.join(" ", p.info().arguments().orElse(new String[0])).contains(work.toString())).toList();
    }

    private static void exec(PanelProcess panel, int ve, String... argv) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec",
                PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv), "timeoutSeconds", 120)));
        assertEquals(200, r.status(), r.toString());
        assertEquals(0, r.json().get("exitCode").asInt(), r.body());
    }

    private static JsonNode entry(JsonNode listing, String name) {
        for (JsonNode e : listing.get("entries")) {
            if (e.get("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError(name + " is not in " + listing);
    }

    private static String stdout(PanelProcess panel, int ve, String... argv) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv))));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("stdout").asText();
    }

    /** Plain restic, as a provider would run it with the recovery key after losing the panel. */
    static String restic(Path repository, Path passwordFile, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("restic", "--no-cache", "-r", repository.toString(), "--password-file", passwordFile.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "restic " + String.join(" ", args));
        return out;
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }
}
