package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * Notifications against real peers: mail through an SMTP server that demands STARTTLS and a login (SubEthaSMTP,
 * in this JVM, with its own certificate the panel is told to trust), and webhooks to a local HTTP receiver that
 * check the signature, are retried after a 500, follow a customer's VE, and never reach private addresses.
 */
class NotificationsIT {

    @Test
    void mailGoesThroughStartTlsWithALogin(@TempDir Path work) throws Exception {
        Path keystore = work.resolve("smtp.p12");
        Path pem = work.resolve("smtp.pem");
        keytool("-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-keystore", keystore.toString(), "-storepass", "changeit", "-storetype", "PKCS12");
        keytool("-exportcert", "-rfc", "-alias", "smtp", "-keystore", keystore.toString(), "-storepass", "changeit", "-file", pem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);

        List<String> received = new CopyOnWriteArrayList<>();
        int port = PanelProcess.freePort();
        SMTPServer smtp = SMTPServer.port(port).hostName("localhost").requireTLS().startTlsSocketFactory(tls).requireAuth()
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, context) -> {
                    if (!"relay-user".equals(user) || !"relay-Password-1".equals(password)) {
                        throw new LoginFailedException();
                    }
                }))
                .messageHandler((context, from, to, data) -> received.add("from=" + from + " to=" + to + "\n" + new String(data, StandardCharsets.UTF_8)))
                .build();
        smtp.start();
        try {
            Path conf = Files.writeString(work.resolve("vessel.conf"), "mail.host = localhost\nmail.port = " + port
                    + "\nmail.username = relay-user\nmail.password = relay-Password-1\nmail.from = panel@example.test\nmail.trust = " + pem + "\n");
            try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
                String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Mail Ltd\",\"kind\":\"CUSTOMER\"}"));
                PanelProcess.createdId(panel.post("/api/v1/accounts", "{\"tenantId\":\"" + tenant + "\",\"username\":\"erin\",\"role\":\"customer-owner\","
                        + "\"password\":\"Erin-Password-1\",\"email\":\"erin@example.test\"}"));
                assertEquals(202, panel.anonymous(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/auth/password-reset"))
                        .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"username\":\"erin\"}"))).status());
                PanelProcess.poll(Duration.ofSeconds(20), () -> !received.isEmpty(), "the reset mail at the SMTP server");
                String mail = received.get(0);
                assertTrue(mail.startsWith("from=panel@example.test to=erin@example.test"), mail);
                assertTrue(mail.contains("Subject: Reset your Vessel password"), mail);
                assertTrue(mail.contains("/portal/reset#"), mail);
                assertTrue(Files.notExists(work.resolve("data/outbox")) || Files.list(work.resolve("data/outbox")).findAny().isEmpty(),
                        "with SMTP configured nothing goes to the outbox");
            }
        } finally {
            smtp.stop();
        }
    }

    @Test
    void webhooksAreSignedRetriedFollowACustomersVeAndStayOffPrivateAddresses() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-webhooks");
        List<String[]> calls = new CopyOnWriteArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(new String[] {exchange.getRequestHeaders().getFirst("Vessel-Event"), exchange.getRequestHeaders().getFirst("Vessel-Signature"), body});
            // the first delivery fails once: it must come again
            int status = answered.getAndIncrement() == 0 ? 500 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        try {
            Path conf = Files.writeString(work.resolve("vessel.conf"), "notifications.webhook.allow = 127.0.0.1/32\nnotifications.webhook.retry = 1s\n");
            try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
                // never into the provider's own network
                for (String target : List.of("https://10.1.2.3/x", "https://169.254.169.254/latest/meta-data", "http://[::1]:8080/",
                        "https://127.0.0.2/", "ftp://example.com/", "http://user:pw@127.0.0.1/")) {
                    PanelProcess.Response refused = panel.post("/api/v1/webhooks", "{\"url\":\"" + target + "\"}");
                    assertTrue(refused.status() == 422 || refused.status() == 400, target + ": " + refused);
                    assertProblem(refused, refused.status(), null);
                }

                String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Hooks Ltd\",\"kind\":\"CUSTOMER\"}"));
                panel.createAccount(tenant, "hank", "customer-owner", "Hank-Password-1");
                PanelProcess.As hank = panel.login("hank", "Hank-Password-1");
                PanelProcess.Response created = hank.post("/api/v1/webhooks", "{\"url\":\"" + url + "\",\"events\":[\"webhook.ping\",\"ve.*\"]}");
                assertEquals(201, created.status(), created.toString());
                String secret = created.json().get("secret").asText();
                String hook = created.json().get("id").asText();
                assertTrue(secret.startsWith("whsec_"));
                assertTrue(hank.get("/api/v1/webhooks").json().get(0).path("secret").isMissingNode(), "the secret is shown once");
                assertProblem(panel.post("/api/v1/webhooks", "{\"url\":\"" + url + "\",\"events\":[\"VE START\"]}"), 400, null);

                assertEquals(202, hank.post("/api/v1/webhooks/" + hook + "/ping", "").status());
                PanelProcess.poll(Duration.ofSeconds(20), () -> calls.size() >= 2, "the ping and its retry");
                JsonNode delivery = hank.get("/api/v1/webhooks/" + hook + "/deliveries").json().get(0);
                PanelProcess.poll(Duration.ofSeconds(10), () -> "DELIVERED".equals(hank.get("/api/v1/webhooks/" + hook + "/deliveries").json()
                        .get(0).get("state").asText()), "delivered");
                delivery = hank.get("/api/v1/webhooks/" + hook + "/deliveries").json().get(0);
                assertEquals(2, delivery.get("attempts").asInt(), delivery.toString());
                assertEquals(204, delivery.get("lastStatus").asInt());
                for (String[] call : calls) {
                    assertEquals("webhook.ping", call[0]);
                    assertValidSignature(secret, call[1], call[2]);
                }
                assertEquals(calls.get(0)[2], calls.get(1)[2], "a retry sends the same delivery");
                assertEquals(List.of(), PluginsIT.filesContaining(work, secret), "the signing secret is kept sealed, nowhere on disk in clear");

                // hank also wants VE events by e-mail (no SMTP server here: they land in the outbox)
                String hankId = null;
                for (JsonNode a : panel.get("/api/v1/accounts").json()) {
                    if (a.get("username").asText().equals("hank")) {
                        hankId = a.get("id").asText();
                    }
                }
                assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/accounts/" + hankId)).header("Content-Type", "application/json")
                        .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"email\":\"hank@example.test\"}"))).status());
                JsonNode prefs = hank.send("PUT", "/api/v1/me/notifications", "{\"choices\":{\"ve.*\":true}}").json();
                assertTrue(prefs.toString().contains("{\"event\":\"ve.running\",\"description\":\"A VE started\",\"email\":true}"), prefs.toString());
                assertTrue(prefs.toString().indexOf("plugin.disabled") < 0, "customers are not offered provider events");

                // a customer's VE: its webhook follows it
                int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"owner\":\"" + tenant + "\"}");
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
                PanelProcess.poll(Duration.ofSeconds(20), () -> calls.stream().anyMatch(c -> "ve.running".equals(c[0])), "ve.running at the webhook");
                String[] running = calls.stream().filter(c -> "ve.running".equals(c[0])).findFirst().orElseThrow();
                assertValidSignature(secret, running[1], running[2]);
                JsonNode body = PanelProcess.JSON.readTree(running[2]);
                assertEquals(ve, body.at("/data/ve").asInt(), running[2]);
                assertEquals(tenant, body.get("tenant").asText());
                Path outbox = work.resolve("data/outbox");
                PanelProcess.poll(Duration.ofSeconds(20), () -> mails(outbox).stream().anyMatch(m -> m.contains("To: hank@example.test")
                        && m.contains("Subject: VE " + ve + " is running")), "hank's e-mail about the start");

                // another tenant neither sees nor touches it
                String other = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Other Ltd\",\"kind\":\"CUSTOMER\"}"));
                panel.createAccount(other, "olga", "customer-owner", "Olga-Password-1");
                PanelProcess.As olga = panel.login("olga", "Olga-Password-1");
                assertEquals("[]", olga.get("/api/v1/webhooks").json().toString());
                assertProblem(olga.get("/api/v1/webhooks/" + hook + "/deliveries"), 404, null);
                assertProblem(olga.send("DELETE", "/api/v1/webhooks/" + hook, null), 404, null);
                assertEquals(204, hank.send("DELETE", "/api/v1/webhooks/" + hook, null).status());
            }
        } finally {
            receiver.stop(0);
            PluginsIT.deleteTree(work);
        }
    }

    static List<String> mails(Path outbox) {
        try (var files = Files.list(outbox)) {
            // a message being written is a dot file until it is complete
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).map(f -> {
                try {
                    return Files.readString(f);
                } catch (java.io.IOException e) {
                    return "";
                }
            }).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** What a receiver does: HMAC-SHA256 over "t.body" with the secret, and a fresh t. */
    private static void assertValidSignature(String secret, String header, String body) throws Exception {
        Map<String, String> parts = new java.util.HashMap<>();
        for (String part : header.split(",")) {
            String[] kv = part.split("=", 2);
            parts.put(kv[0], kv[1]);
        }
        long t = Long.parseLong(parts.get("t"));
        assertTrue(Math.abs(Instant.now().getEpochSecond() - t) < 300, "fresh: " + header);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertEquals(HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8))), parts.get("v1"));
    }

    /** The JDK's keytool; fails the test with its output when it fails. */
    static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }
}
