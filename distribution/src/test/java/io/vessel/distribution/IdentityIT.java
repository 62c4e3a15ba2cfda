package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first admin account and browser sessions, through the assembled panel. */
class IdentityIT {

    @TempDir
    Path work;

    @Test
    void theFirstAdminChosenByEnvironmentLogsInAndOut() throws Exception {
        String password = "Correct-Horse-" + System.nanoTime();
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_ADMIN_PASSWORD", password)).start()) {
            PanelProcess.Response login = panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + password + "\"}");
            assertEquals(200, login.status(), login.toString());
            assertEquals("provider-admin", login.json().get("role").asText());
            assertFalse(login.body().contains(password) || login.body().contains("argon2"), "no password or hash in answers");
            String cookie = login.header("Set-Cookie");
            assertNotNull(cookie);
            assertTrue(cookie.startsWith("vessel_session="), cookie);
            assertTrue(cookie.contains("HttpOnly"), cookie);
            assertTrue(cookie.contains("SameSite=Strict"), cookie);
            assertFalse(cookie.contains("Secure"), "not over plain HTTP: " + cookie);
            String session = cookie.substring(0, cookie.indexOf(';'));

            PanelProcess.Response me = panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me")).header("Cookie", session).GET());
            assertEquals(200, me.status(), me.toString());
            assertEquals("admin", me.json().get("account").get("username").asText());
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me")).GET()), 401,
                    "Log in with POST /api/v1/auth/login, or send an API token as Authorization: Bearer.");
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/ves")).GET()), 401, null);
            assertEquals(200, panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/health")).GET()).status(), "health stays open");
            assertEquals(200, panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/openapi.json")).GET()).status());
            // a state-changing request riding on the cookie from another site is refused
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/ves")).header("Cookie", session)
                    .header("Origin", "https://evil.example").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"template\":\"busybox\"}"))), 403, null);
            assertProblem(panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"wrong\"}"), 401, "Wrong username or password.");
            assertProblem(panel.post("/api/v1/auth/login", "{\"username\":\"nobody\",\"password\":\"wrong\"}"), 401, "Wrong username or password.");

            // password change: the current one is checked, other sessions end, this one stays
            String other = panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + password + "\"}").header("Set-Cookie");
            other = other.substring(0, other.indexOf(';'));
            String changed = password + "-changed";
            assertProblem(change(panel, session, "wrong", changed), 403, "The current password is wrong.");
            assertProblem(change(panel, session, password, "short"), 400, null);
            assertEquals(204, change(panel, session, password, changed).status());
            assertEquals(200, panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me")).header("Cookie", session).GET()).status());
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me")).header("Cookie", other).GET()), 401, null);
            assertProblem(panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + password + "\"}"), 401, null);
            assertEquals(200, panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + changed + "\"}").status());
            assertFalse(Files.readString(panel.logDir.resolve("vessel.log")).contains(changed), "nor is a new one");

            assertEquals(204, panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/auth/logout")).header("Cookie", session)
                    .POST(HttpRequest.BodyPublishers.noBody())).status());
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me")).header("Cookie", session).GET()), 401, null);
            assertFalse(Files.readString(panel.logDir.resolve("vessel.log")).contains(password), "a chosen password is never logged");
        }
    }

    @Test
    void withoutAChosenPasswordOneIsGeneratedAndShownOnce() throws Exception {
        String password;
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_ADMIN_PASSWORD", "")).start()) {
            Matcher shown = Pattern.compile("username=admin password=(\\S+) \\(shown once").matcher(Files.readString(panel.logDir.resolve("vessel.log")));
            assertTrue(shown.find(), "the generated password is printed");
            password = shown.group(1);
            assertTrue(password.length() >= 20, password);
            assertEquals(200, panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + password + "\"}").status());
        }
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_ADMIN_PASSWORD", "")).start()) {
            String log = Files.readString(panel.logDir.resolve("vessel.log"));
            assertEquals(1, log.split(Pattern.quote(password), -1).length - 1, "shown once only, not at the next start");
            assertEquals(200, panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + password + "\"}").status());
        }
    }

    @Test
    void repeatedFailuresMakeTheSourceWaitAndTheLockoutEndsByItself() throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "identity.lockout.seconds = 3\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String right = "{\"username\":\"admin\",\"password\":\"" + PanelProcess.ADMIN_PASSWORD + "\"}";
            // two sessions of one account; logging out everywhere ends both
            String first = sessionOf(panel.post("/api/v1/auth/login", right));
            String second = sessionOf(panel.post("/api/v1/auth/login", right));
            assertEquals(204, panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/auth/logout?everywhere=true")).header("Cookie", first)
                    .POST(HttpRequest.BodyPublishers.noBody())).status());
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me")).header("Cookie", second).GET()), 401, null);

            for (int i = 0; i < 5; i++) {
                assertProblem(panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"guess" + i + "\"}"), 401, null);
            }
            PanelProcess.Response locked = panel.post("/api/v1/auth/login", right);
            assertProblem(locked, 429, null);
            assertTrue(locked.json().get("detail").asText().startsWith("Too many failed logins; try again in"), locked.body());
            assertTrue(Long.parseLong(locked.header("Retry-After")) > 0, "Retry-After tells when");
            PanelProcess.poll(java.time.Duration.ofSeconds(10), () -> panel.post("/api/v1/auth/login", right).status() == 200,
                    "the lockout to end by itself");
        }
    }

    /**
     * The failure counts live in the database: a restart of the panel does not wipe a lockout (nor would another
     * panel process on the same database). A client cannot escape it by writing its own X-Forwarded-For; behind a
     * load balancer the provider trusts ({@code web.trusted.proxies}), the header names the client, so one client's
     * lockout is not everyone's and the audit log names who it was.
     */
    @Test
    void aLockoutOutlivesARestartAndOnlyATrustedProxyNamesTheClient() throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "identity.lockout.seconds = 300\n");
        String right = "{\"username\":\"admin\",\"password\":\"" + PanelProcess.ADMIN_PASSWORD + "\"}";
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            panel.createAccount(panel.get("/api/v1/me").json().at("/tenant/id").asText(), "bob", "provider-admin", "Bob-Password-1");
            for (int i = 0; i < 5; i++) { // a new "client address" each time: nobody trusted said so
                assertProblem(loginFrom(panel, "198.51.100." + (10 + i), "{\"username\":\"admin\",\"password\":\"guess" + i + "\"}"), 401, null);
            }
            assertProblem(loginFrom(panel, "198.51.100.99", right), 429, null);
            assertEquals(0, panel.stop(), panel.output());
        }
        Files.writeString(conf, "web.trusted.proxies = 127.0.0.1\n", java.nio.file.StandardOpenOption.APPEND);
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            assertProblem(panel.post("/api/v1/auth/login", right), 429, null); // still 127.0.0.1, still locked: the count outlived the restart
            // now 127.0.0.1 is the provider's load balancer, and names its clients
            String bob = "{\"username\":\"bob\",\"password\":\"Bob-Password-1\"}";
            for (int i = 0; i < 5; i++) {
                assertProblem(loginFrom(panel, "203.0.113.7", "{\"username\":\"bob\",\"password\":\"guess" + i + "\"}"), 401, null);
            }
            assertProblem(loginFrom(panel, "203.0.113.7", bob), 429, null);
            assertEquals(200, loginFrom(panel, "203.0.113.8", bob).status(), "another client behind the same balancer is not locked out");
            PanelProcess.Response admitted = loginFrom(panel, "192.0.2.66, 203.0.113.8", bob);
            assertEquals(200, admitted.status(), "what a client wrote itself is not believed");
            // (the panel's own admin session could not be made: admin is still locked out of 127.0.0.1)
            PanelProcess.As asBob = new PanelProcess.As(panel, "Cookie", sessionOf(admitted));
            com.fasterxml.jackson.databind.JsonNode failed = asBob.get("/api/v1/audit?action=login.failed&actor=bob").json();
            assertEquals(5, failed.size(), failed.toString());
            assertEquals("203.0.113.7", failed.get(0).get("sourceIp").asText(), "the audit log names the client, not the balancer");
        }
    }

    private static PanelProcess.Response loginFrom(PanelProcess panel, String forwardedFor, String credentials) {
        return panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/auth/login")).header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor).POST(HttpRequest.BodyPublishers.ofString(credentials)));
    }

    private static PanelProcess.Response change(PanelProcess panel, String session, String current, String next) {
        return panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/me/password")).header("Cookie", session)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"current\":\"" + current + "\",\"password\":\"" + next + "\"}")));
    }

    private static String sessionOf(PanelProcess.Response login) {
        assertEquals(200, login.status(), login.toString());
        String cookie = login.header("Set-Cookie");
        return cookie.substring(0, cookie.indexOf(';'));
    }
}
