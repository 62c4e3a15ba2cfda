package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants never see or touch each other; resellers only reach their own customers; credentials (tokens, 2FA,
 * reset links) are refused whenever they should be; everything lands in the audit log and no secret in the logs.
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class TenancyIT {

    private static final String PASSWORD = "Tenant-Password-1";

    @TempDir
    Path work;
    /** Every secret the test saw; none may appear in the panel's log. */
    private final List<String> secrets = new ArrayList<>(List.of(PASSWORD, PanelProcess.ADMIN_PASSWORD));

    @BeforeEach
    void passableWorkDir() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
    }

    @Test
    void customersAndResellersOnlyReachTheirOwnThings() throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Reseller\",\"kind\":\"RESELLER\"}"));
            String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer A\",\"kind\":\"CUSTOMER\"}"));
            String b = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer B\",\"kind\":\"CUSTOMER\",\"parentId\":\"" + reseller + "\"}"));
            panel.createAccount(a, "alice", "customer-owner", PASSWORD);
            panel.createAccount(b, "bob", "customer-owner", PASSWORD);
            panel.createAccount(reseller, "rita", "reseller-admin", PASSWORD);
            int veA = ve(panel, a);
            PanelProcess.As alice = panel.login("alice", PASSWORD);
            PanelProcess.As bob = panel.login("bob", PASSWORD);
            PanelProcess.As rita = panel.login("rita", PASSWORD);

            // the reseller creates a VE for its own customer, but cannot place one with someone else's
            PanelProcess.Response forB = rita.post("/api/v1/ves", "{\"template\":\"busybox\",\"owner\":\"" + b + "\"}");
            int veB = Integer.parseInt(awaitAs(rita, forB).get("result").asText().replace("/api/v1/ves/", ""));
            assertProblem(rita.post("/api/v1/ves", "{\"template\":\"busybox\",\"owner\":\"" + a + "\"}"), 400, "There is no tenant " + a + ".");
            assertEquals(List.of(veB), ids(rita.get("/api/v1/ves")));
            assertEquals(List.of(reseller, b), tenantIds(rita.get("/api/v1/tenants")), "a reseller sees itself and its customers");
            assertProblem(rita.get("/api/v1/ves/" + veA), 404, "There is no VE " + veA + ".");
            assertProblem(rita.get("/api/v1/tenants/" + a), 404, null);

            // live events: each customer hears about their own VE only
            List<String> aliceHears = listen(panel, alice);
            List<String> bobHears = listen(panel, bob);
            assertEquals(List.of(veA), ids(alice.get("/api/v1/ves")));
            JsonNode started = awaitAs(alice, alice.post("/api/v1/ves/" + veA + "/start", ""));
            assertEquals("SUCCEEDED", started.get("state").asText());
            JsonNode hostname = alice.post("/api/v1/ves/" + veA + "/exec", "{\"command\":[\"hostname\"]}").json();
            assertEquals("ve" + veA, hostname.get("stdout").asText().strip());
            PanelProcess.poll(Duration.ofSeconds(10), () -> aliceHears.stream().anyMatch(e -> e.contains("\"state\":\"RUNNING\"")), "alice's event");

            // bob: cannot read, act on, run commands in, or learn the existence of alice's VE and its operation
            String missing = "There is no VE 99999.";
            assertProblem(bob.get("/api/v1/ves/99999"), 404, missing);
            for (String attempt : List.of("GET /api/v1/ves/%d", "GET /api/v1/ves/%d/usage", "POST /api/v1/ves/%d/stop",
                    "POST /api/v1/ves/%d/kill", "GET /api/v1/ves/%d/ips")) {
                String[] parts = attempt.split(" ");
                assertProblem(bob.send(parts[0], String.format(parts[1], veA), parts[0].equals("POST") ? "" : null), 404,
                        "There is no VE " + veA + ".");
            }
            // without the permission the refusal is the same for any VE, existing or not
            assertProblem(bob.send("DELETE", "/api/v1/ves/" + veA, null), 403, "You do not have the permission ve.delete.");
            assertProblem(bob.send("DELETE", "/api/v1/ves/99999", null), 403, "You do not have the permission ve.delete.");
            assertProblem(bob.post("/api/v1/ves/" + veA + "/exec", "{\"command\":[\"id\"]}"), 404, "There is no VE " + veA + ".");
            assertProblem(bob.get("/api/v1/operations/" + started.get("id").asText()), 404, null);
            assertTrue(bob.get("/api/v1/operations").json().findValues("target").stream().noneMatch(t -> t.asText().equals("ve/" + veA)));
            assertProblem(bob.get("/api/v1/events?ve=" + veA), 400, null);
            assertEquals(List.of(veB), ids(bob.get("/api/v1/ves")));
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + veA).json().get("state").asText(), "bob's attempts changed nothing");
            assertTrue(bobHears.stream().noneMatch(e -> e.contains("\"id\":" + veA + ",") || e.contains("ve/" + veA)), String.join("\n", bobHears));

            // customers cannot change limits; admins can
            assertProblem(alice.send("PATCH", "/api/v1/ves/" + veA, "{\"limits\":{\"memoryBytes\":1073741824}}"), 403, null);
            assertEquals("web-a", alice.send("PATCH", "/api/v1/ves/" + veA, "{\"hostname\":\"web-a\"}").json().get("hostname").asText());

            // impersonation: clearly marked and audited with both names
            PanelProcess.Response as = panel.post("/api/v1/accounts/" + accountId(panel, "alice") + "/impersonate", "");
            assertEquals(200, as.status(), as.toString());
            PanelProcess.As support = new PanelProcess.As(panel, "Cookie", as.header("Set-Cookie").substring(0, as.header("Set-Cookie").indexOf(';')));
            assertEquals("admin", support.get("/api/v1/me").json().get("impersonator").asText());
            awaitAs(support, support.post("/api/v1/ves/" + veA + "/stop?timeout=5", ""));
            // ending it closes the session; without the admin's own session kept aside (a browser has it) that means logging in again
            PanelProcess.Response ended = support.post("/api/v1/auth/impersonation/end", "");
            assertEquals(200, ended.status(), ended.toString());
            assertFalse(ended.json().get("loggedIn").asBoolean());
            assertEquals(401, support.get("/api/v1/me").status());
            assertProblem(alice.post("/api/v1/auth/impersonation/end", ""), 400, "You are not acting as another account.");

            // suspension: no login, no session, until it is lifted
            assertEquals(200, panel.send(patch("/api/v1/tenants/" + a, "{\"suspended\":true,\"suspendedReason\":\"unpaid invoice\"}", panel)).status());
            assertProblem(alice.get("/api/v1/ves"), 403, "This account is suspended: unpaid invoice. Contact your provider.");
            assertProblem(panel.post("/api/v1/auth/login", login("alice")), 403, null);
            assertEquals(200, panel.send(patch("/api/v1/tenants/" + a, "{\"suspended\":false}", panel)).status());
            assertEquals(200, alice.get("/api/v1/ves").status());

            // the audit log: who did what to which object, from where, and the result
            JsonNode audit = panel.get("/api/v1/audit?actor=alice&action=start").json();
            assertEquals("POST ves/{id}/start", audit.get(0).get("action").asText(), audit.toString());
            assertEquals("ves/" + veA + "/start", audit.get(0).get("target").asText());
            assertEquals("127.0.0.1", audit.get(0).get("sourceIp").asText());
            assertEquals(202, audit.get(0).get("status").asInt());
            JsonNode refused = panel.get("/api/v1/audit?actor=bob&status=404").json();
            assertTrue(refused.size() >= 3, "bob's attempts are on record: " + refused);
            JsonNode impersonated = panel.get("/api/v1/audit?actor=alice&action=stop").json();
            assertEquals("admin", impersonated.get(0).get("impersonator").asText(), impersonated.toString());
            JsonNode ritasView = rita.get("/api/v1/audit?limit=1000").json();
            assertTrue(ritasView.findValues("actor").stream().noneMatch(n -> n.asText().equals("alice")), "a reseller sees its own subtree only");
            assertProblem(alice.get("/api/v1/audit"), 403, null);
            JsonNode log = alice.get("/api/v1/me/security-log").json();
            assertTrue(log.findValues("action").stream().anyMatch(n -> n.asText().equals("login")), log.toString());

            awaitAs(rita, rita.send("DELETE", "/api/v1/ves/" + veB, null));
            assertProblem(rita.send("DELETE", "/api/v1/tenants/" + reseller, null), 403, "You cannot delete your own tenant.");
            assertProblem(panel.send(delete("/api/v1/tenants/" + a, panel)), 409, "The tenant still owns 1 ve(s); remove them first.");
            assertNoSecretsLogged(panel);
        }
    }

    @Test
    void tokensTwoFactorAndPasswordResetAreRefusedWhenTheyShouldBe() throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer A\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(a, "carol", "customer-owner", PASSWORD);
            int ve = ve(panel, a);
            PanelProcess.As carol = panel.login("carol", PASSWORD);

            // API tokens: scoped, expiring, revocable, tied to addresses, never more than the account holds
            JsonNode readOnly = carol.post("/api/v1/me/tokens", "{\"name\":\"monitoring\",\"permissions\":[\"ve.read\"]}").json();
            String secret = readOnly.get("secret").asText();
            secrets.add(secret);
            assertTrue(secret.startsWith("vsl_"), secret);
            PanelProcess.As script = PanelProcess.As.bearer(panel, secret);
            assertEquals(List.of(ve), ids(script.get("/api/v1/ves")));
            assertProblem(script.post("/api/v1/ves/" + ve + "/start", ""), 403, "You do not have the permission ve.power (in your role and in this token's scope).");
            assertFalse(carol.get("/api/v1/me/tokens").body().contains(secret), "listed without the secret");
            assertProblem(carol.post("/api/v1/me/tokens", "{\"name\":\"x\",\"permissions\":[\"ve.create\"]}"), 400, null);
            String expiring = carol.post("/api/v1/me/tokens", "{\"name\":\"short\",\"permissions\":[\"ve.read\"],\"expiresAt\":\""
                    + Instant.now().plusSeconds(2) + "\"}").json().get("secret").asText();
            String elsewhere = carol.post("/api/v1/me/tokens", "{\"name\":\"ci\",\"permissions\":[\"ve.read\"],\"allowedIps\":[\"10.1.2.0/24\"]}")
                    .json().get("secret").asText();
            secrets.addAll(List.of(expiring, elsewhere));
            assertProblem(PanelProcess.As.bearer(panel, elsewhere).get("/api/v1/ves"), 401, "The API token may not be used from 127.0.0.1.");
            assertEquals(200, PanelProcess.As.bearer(panel, expiring).get("/api/v1/ves").status());
            Thread.sleep(2500);
            assertProblem(PanelProcess.As.bearer(panel, expiring).get("/api/v1/ves"), 401, null);
            assertEquals(204, carol.send("DELETE", "/api/v1/me/tokens/" + readOnly.at("/token/id").asText(), null).status());
            assertProblem(script.get("/api/v1/ves"), 401, "The API token was revoked.");
            assertProblem(PanelProcess.As.bearer(panel, "vsl_made-up").get("/api/v1/ves"), 401, "The API token is not valid.");

            // TOTP: enrol, confirm, then a code is needed; wrong and replayed codes are refused; recovery codes work once
            JsonNode enrolment = carol.post("/api/v1/me/2fa", "").json();
            String totpSecret = enrolment.get("secret").asText();
            secrets.add(totpSecret);
            assertTrue(enrolment.get("otpauthUri").asText().startsWith("otpauth://totp/Vessel:carol?secret="), enrolment.toString());
            assertProblem(carol.post("/api/v1/me/2fa/confirm", "{\"totp\":\"000000\"}".replace("000000", wrong(totpSecret))), 400, null);
            String code = totp(totpSecret, Instant.now());
            JsonNode recovery = carol.post("/api/v1/me/2fa/confirm", "{\"totp\":\"" + code + "\"}").json();
            assertEquals(10, recovery.get("recoveryCodes").size(), recovery.toString());
            recovery.get("recoveryCodes").forEach(c -> secrets.add(c.asText()));
            assertProblem(panel.post("/api/v1/auth/login", login("carol")), 401, null);
            assertEquals("https://vessel.dev/problems/totp-required", panel.post("/api/v1/auth/login", login("carol")).json().get("type").asText());
            assertProblem(panel.post("/api/v1/auth/login", login("carol", wrong(totpSecret))), 401, null);
            assertProblem(panel.post("/api/v1/auth/login", login("carol", code)), 401, null); // used for the confirmation: a replay
            // a fresh code without waiting up to 30 s for it: a phone whose clock runs one step ahead (the panel takes
            // one step either side), newer than the one the confirmation spent
            String next = totp(totpSecret, Instant.now().plusSeconds(30));
            assertEquals(200, panel.post("/api/v1/auth/login", login("carol", next)).status());
            assertProblem(panel.post("/api/v1/auth/login", login("carol", next)), 401, null);
            String recoveryCode = recovery.get("recoveryCodes").get(0).asText();
            assertEquals(200, panel.post("/api/v1/auth/login", login("carol", recoveryCode)).status());
            assertProblem(panel.post("/api/v1/auth/login", login("carol", recoveryCode)), 401, null);

            // an admin can require 2FA: until enrolled, only the account's own settings are open
            panel.createAccount(a, "dave", "customer-member", PASSWORD);
            assertEquals(200, panel.send(patch("/api/v1/tenants/" + a, "{\"require2fa\":true}", panel)).status());
            PanelProcess.As dave = panel.login("dave", PASSWORD);
            assertProblem(dave.get("/api/v1/ves"), 403, null);
            assertTrue(dave.get("/api/v1/me").json().get("mustEnrolTwoFactor").asBoolean());
            assertProblem(carol.send("DELETE", "/api/v1/me/2fa", "{\"password\":\"" + PASSWORD + "\"}"), 409, null);

            // password reset by mail (the outbox until SMTP is set up): the link works once, all sessions end
            assertEquals(200, panel.send(patch("/api/v1/accounts/" + accountId(panel, "dave"), "{\"email\":\"dave@example.com\"}", panel)).status());
            assertEquals(202, panel.anonymous(json("/api/v1/auth/password-reset", "{\"username\":\"dave@example.com\"}", panel)).status());
            assertEquals(202, panel.anonymous(json("/api/v1/auth/password-reset", "{\"username\":\"nobody\"}", panel)).status(), "no hint who exists");
            Path outbox = work.resolve("data/outbox");
            PanelProcess.poll(Duration.ofSeconds(10), () -> {
                try (var files = Files.list(outbox)) {
                    return files.anyMatch(f -> !f.getFileName().toString().startsWith(".")); // dot files are still being written
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "the reset mail in the outbox (mail is sent in the background)");
            String mail;
            try (var files = Files.list(outbox)) {
                mail = Files.readString(files.filter(f -> !f.getFileName().toString().startsWith(".")).findFirst().orElseThrow());
            }
            Matcher link = Pattern.compile("/portal/reset#(\\S+)").matcher(mail);
            assertTrue(link.find(), mail);
            secrets.add(link.group(1));
            String fresh = "Brand-New-Password-2";
            secrets.add(fresh);
            String confirm = "{\"token\":\"" + link.group(1) + "\",\"password\":\"" + fresh + "\"}";
            assertEquals(204, panel.anonymous(json("/api/v1/auth/password-reset/confirm", confirm, panel)).status());
            assertProblem(panel.anonymous(json("/api/v1/auth/password-reset/confirm", confirm, panel)), 400, null);
            assertProblem(dave.get("/api/v1/me"), 401, null);
            assertEquals(200, panel.post("/api/v1/auth/login", "{\"username\":\"dave\",\"password\":\"" + fresh + "\"}").status());

            JsonNode log = carol.get("/api/v1/me/security-log?limit=100").json();
            for (String action : List.of("login", "login.failed", "token.created", "token.revoked", "token.used", "2fa.enabled", "2fa.recovery-code.used")) {
                assertTrue(log.findValues("action").stream().anyMatch(n -> n.asText().equals(action)), action + " in " + log);
            }
            assertFalse(log.toString().contains(secret));
            assertNoSecretsLogged(panel);
        }
    }

    @Test
    void privateTemplatesAndPoolsStayWithTheirTenant() throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Reseller\",\"kind\":\"RESELLER\"}"));
            String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer A\",\"kind\":\"CUSTOMER\"}"));
            String b = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer B\",\"kind\":\"CUSTOMER\",\"parentId\":\"" + reseller + "\"}"));
            panel.createAccount(a, "alice", "customer-owner", PASSWORD);
            panel.createAccount(reseller, "rita", "reseller-admin", PASSWORD);
            PanelProcess.As alice = panel.login("alice", PASSWORD);
            PanelProcess.As rita = panel.login("rita", PASSWORD);

            // a private template: customer A's own image
            Path root = work.resolve("rootfs");
            for (String dir : List.of("bin", "etc", "root", "tmp", "proc", "sys", "dev")) {
                Files.createDirectories(root.resolve(dir));
            }
            Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
            Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
            Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            Files.writeString(root.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
            Path tarball = work.resolve("image.tar");
            PanelProcess.host("tar", "--numeric-owner", "-C", work.resolve("rootfs").toString(), "-cf", tarball.toString(), ".");
            PanelProcess.Response imported = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/templates/import?name=image-a&owner=" + a))
                    .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofFile(tarball)));
            assertEquals("SUCCEEDED", VeLifecycleIT.awaitOperation(panel, imported).get("state").asText());
            assertTrue(alice.get("/api/v1/templates").json().findValues("name").stream().anyMatch(n -> n.asText().equals("image-a")));
            assertTrue(rita.get("/api/v1/templates").json().findValues("name").stream().noneMatch(n -> n.asText().equals("image-a")));
            assertProblem(rita.get("/api/v1/templates/image-a"), 404, "There is no template image-a.");
            assertProblem(rita.post("/api/v1/ves", "{\"template\":\"image-a\",\"owner\":\"" + b + "\"}"), 400, "There is no template image-a.");
            int ve = ve(panel, a, "image-a");
            assertEquals("image-a", panel.get("/api/v1/ves/" + ve).json().get("template").asText());

            // pools: a reseller's own range, and one dedicated to customer A
            String here = NodeHealthIT.localNode(panel);
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"rita-pool\",\"cidr\":\"10.66.0.0/24\",\"owner\":\"" + reseller
                    + "\",\"nodes\":[\"" + here + "\"]}").status());
            assertEquals(here, panel.get("/api/v1/ip-pools/rita-pool").json().get("nodes").get(0).asText());
            assertEquals(0, rita.get("/api/v1/ip-pools/rita-pool").json().get("nodes").size(), "which nodes a pool reaches is the provider's business");
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"a-pool\",\"cidr\":\"10.67.0.0/24\",\"owner\":\"" + a + "\"}").status());
            assertEquals(List.of("rita-pool"), rita.get("/api/v1/ip-pools").json().findValues("name").stream().map(JsonNode::asText).toList());
            assertProblem(rita.get("/api/v1/ip-pools/a-pool"), 404, "There is no IP pool a-pool.");
            assertProblem(rita.post("/api/v1/ves", "{\"template\":\"busybox\",\"owner\":\"" + b + "\",\"ipPool\":\"a-pool\"}"), 400,
                    "There is no IP pool a-pool.");
            assertProblem(panel.send(delete("/api/v1/tenants/" + a, panel)), 409, null);
        }
    }

    private void assertNoSecretsLogged(PanelProcess panel) throws Exception {
        String log = Files.readString(panel.logDir.resolve("vessel.log")) + panel.output();
        for (String secret : secrets) {
            assertFalse(log.contains(secret), "a secret reached the log: " + secret.substring(0, 4) + "…");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    static String totp(String base32, Instant at) throws Exception {
        byte[] key = base32(base32);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(at.getEpochSecond() / 30).array());
        int o = h[h.length - 1] & 0x0f;
        int bin = ((h[o] & 0x7f) << 24) | ((h[o + 1] & 0xff) << 16) | ((h[o + 2] & 0xff) << 8) | (h[o + 3] & 0xff);
        return String.format("%06d", bin % 1_000_000);
    }

    private static String wrong(String secret) throws Exception {
        String right = totp(secret, Instant.now());
        return right.equals("123456") ? "654321" : "123456";
    }

    private static byte[] base32(String text) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        ByteBuffer out = ByteBuffer.allocate(text.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (char c : text.toCharArray()) {
            buffer = (buffer << 5) | alphabet.indexOf(c);
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    private static String login(String user) {
        return "{\"username\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}";
    }

    private static String login(String user, String totp) {
        return "{\"username\":\"" + user + "\",\"password\":\"" + PASSWORD + "\",\"totp\":\"" + totp + "\"}";
    }

    private static HttpRequest.Builder patch(String path, String body, PanelProcess panel) {
        return HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(body));
    }

    private static HttpRequest.Builder delete(String path, PanelProcess panel) {
        return HttpRequest.newBuilder(panel.uri(path)).DELETE();
    }

    private static HttpRequest.Builder json(String path, String body, PanelProcess panel) {
        return HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }



    private static String accountId(PanelProcess panel, String username) {
        for (JsonNode account : panel.get("/api/v1/accounts").json()) {
            if (account.get("username").asText().equals(username)) {
                return account.get("id").asText();
            }
        }
        throw new AssertionError("no account " + username);
    }

    private static int ve(PanelProcess panel, String owner) {
        return ve(panel, owner, "busybox");
    }

    private static int ve(PanelProcess panel, String owner, String template) {
        JsonNode done = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"" + template + "\",\"owner\":\"" + owner + "\"}"));
        return Integer.parseInt(done.get("result").asText().replace("/api/v1/ves/", ""));
    }

    private static JsonNode awaitAs(PanelProcess.As as, PanelProcess.Response accepted) {
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.json().get("id").asText();
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(Duration.ofSeconds(60), () -> {
            last[0] = as.get("/api/v1/operations/" + id + "?wait=20").json();
            return last[0].get("state").asText().matches("SUCCEEDED|FAILED");
        }, "operation " + id);
        return last[0];
    }

    private static List<Integer> ids(PanelProcess.Response list) {
        assertEquals(200, list.status(), list.toString());
        List<Integer> ids = new ArrayList<>();
        list.json().forEach(v -> ids.add(v.get("id").asInt()));
        return ids;
    }

    private static List<String> tenantIds(PanelProcess.Response list) {
        List<String> ids = new ArrayList<>();
        list.json().forEach(t -> ids.add(t.get("id").asText()));
        return ids;
    }

    /** Opens the caller's event stream and collects its events in the background. */
    private static List<String> listen(PanelProcess panel, PanelProcess.As as) throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        HttpResponse<java.io.InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(panel.uri("/api/v1/events"))
                .header(as.header(), as.value()).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("data:")) {
                        events.add(line);
                    }
                }
            } catch (java.io.IOException closed) {
                // the panel stopped
            }
        });
        reader.setDaemon(true);
        reader.start();
        PanelProcess.poll(Duration.ofSeconds(5), () -> !events.isEmpty(), "the stream's first event");
        return events;
    }
}
