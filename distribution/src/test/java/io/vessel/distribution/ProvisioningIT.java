package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The reference WHMCS module drives the assembled panel as WHMCS would (php-cli and a harness that stubs WHMCS's
 * database layer): test connection, create, suspend, unsuspend, change package, change password, single sign-on,
 * usage update, terminate. Around it, what the provisioning API promises: a retried create answers the same
 * service, a failed one leaves nothing behind, a login link only logs in after the user confirms and only once,
 * the external system's customers get no invoices from Vessel, and a seller never reaches another seller's services.
 */
class ProvisioningIT {

    static final Path MODULE = Path.of("../integrations/whmcs").toAbsolutePath().normalize();
    static final String PASSWORD = "Whmcs-Password-1";

    @Test
    void whmcsModuleDrivesAServiceThroughItsLife() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-provisioning");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            plan(panel, "small", "Small VPS", "5.00", 256, 100);
            plan(panel, "large", "Large VPS", "12.00", 512, 500);
            String token = panel.post("/api/v1/me/tokens", "{\"name\":\"whmcs\",\"permissions\":[\"provisioning\"]}").json().get("secret").asText();
            PanelProcess.As whmcs = PanelProcess.As.bearer(panel, token);
            Map<String, String> env = new LinkedHashMap<>(Map.of("VESSEL_HOST", "127.0.0.1", "VESSEL_PORT", String.valueOf(panel.port),
                    "VESSEL_TOKEN", token, "SERVICE_ID", "101", "CLIENT_ID", "7", "PLAN", "small", "USERNAME", "ada",
                    "PASSWORD", PASSWORD, "DOMAIN", "ada.example.com", "COMPANY", "Analytical Engines Ltd"));

            // the module's PHP is valid for the php-cli of the distribution, and its connection test passes
            assertEquals(0, run(List.of("php", "-l", MODULE.resolve("modules/servers/vessel/vessel.php").toString()), Map.of()).exit());
            JsonNode test = step(env, "TestConnection");
            assertTrue(test.at("/result/success").asBoolean(), test.toString());
            JsonNode wrongToken = step(Map.of("VESSEL_TOKEN", "vsl_wrong", "VESSEL_PORT", String.valueOf(panel.port)), "TestConnection");
            assertFalse(wrongToken.at("/result/success").asBoolean(), "a wrong token fails the test: " + wrongToken);

            // create: customer, owner login and VE on the plan, billed by WHMCS (Vessel only meters)
            JsonNode created = step(env, "CreateAccount");
            assertEquals("success", created.get("result").asText(), created.toString());
            JsonNode service = whmcs.get("/api/v1/provisioning/services/101").json();
            assertEquals("ACTIVE", service.get("state").asText(), service.toString());
            assertEquals("ada", service.get("username").asText());
            assertEquals("Small VPS", service.get("planName").asText());
            int ve = service.get("ve").asInt();
            String tenant = service.get("tenant").asText();
            JsonNode veJson = panel.get("/api/v1/ves/" + ve).json();
            assertEquals(tenant, veJson.get("owner").asText(), "the VE is the new customer's");
            assertEquals("ada.example.com", veJson.get("hostname").asText());
            assertEquals(256L << 20, veJson.at("/limits/memoryBytes").asLong(), "the plan's limits");
            assertEquals("Analytical Engines Ltd", panel.get("/api/v1/tenants/" + tenant).json().get("name").asText());
            assertTrue(panel.get("/api/v1/billing/accounts/" + tenant).json().get("externalBilling").asBoolean());

            // a retried create answers the same service; the same id for another order is refused
            PanelProcess.Response again = whmcs.post("/api/v1/provisioning/services", order("101", "7", "small", "busybox", "ada"));
            assertEquals(200, again.status(), again.toString());
            assertEquals(tenant, again.json().get("tenant").asText());
            assertEquals(ve, again.json().get("ve").asInt(), "no second VE");
            assertProblem(whmcs.post("/api/v1/provisioning/services", order("101", "7", "large", "busybox", "ada")), 409, null);

            // the customer logs in with the credentials WHMCS chose, and runs the VE
            PanelProcess.As ada = panel.login("ada", PASSWORD);
            assertEquals(200, ada.get("/api/v1/ves/" + ve).status());
            VeLifecycleIT.awaitOperation(panel, ada.post("/api/v1/ves/" + ve + "/start", ""));

            // suspend: frozen; the customer can neither resume nor restart it, and is told why
            JsonNode suspended = step(env, "SuspendAccount:reason=Overdue on Invoice #42");
            assertEquals("success", suspended.get("result").asText(), suspended.toString());
            assertEquals("SUSPENDED", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
            assertProblem(ada.post("/api/v1/ves/" + ve + "/resume", ""), 409, null);
            PanelProcess.Response restart = ada.post("/api/v1/ves/" + ve + "/restart", "");
            assertEquals(409, restart.status(), restart.toString());
            assertTrue(restart.json().get("detail").asText().contains("Overdue on Invoice #42"), restart.toString());
            assertEquals("Overdue on Invoice #42", whmcs.get("/api/v1/provisioning/services/101").json().get("suspendReason").asText());

            // unsuspend: it runs on where it stopped
            assertEquals("success", step(env, "UnsuspendAccount").get("result").asText());
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());

            // change package: another plan, and a configurable option on top; the VE follows at once
            JsonNode changed = step(env, "ChangePackage:plan=large,option.Memory (MiB)=384");
            assertEquals("success", changed.get("result").asText(), changed.toString());
            assertEquals("Large VPS", whmcs.get("/api/v1/provisioning/services/101").json().get("planName").asText());
            assertEquals(384L << 20, panel.get("/api/v1/ves/" + ve).json().at("/limits/memoryBytes").asLong());
            JsonNode subscriptions = panel.get("/api/v1/billing/subscriptions?tenant=" + tenant).json();
            assertEquals("large", subscriptions.get(subscriptions.size() - 1).get("planCode").asText());
            JsonNode tooBig = step(env, "ChangePackage:plan=large,option.Memory (MiB)=4096");
            assertTrue(tooBig.get("result").asText().contains("memory"), "beyond the plan's quota, refused naming it: " + tooBig);

            // usage update: disk and traffic of the month written to tblhosting (MB), for this server's services
            PanelProcess.poll(Duration.ofSeconds(60), () -> whmcs.get("/api/v1/provisioning/services/101/usage").json().has("diskUsedMiB"),
                    "the running VE is sampled");
            JsonNode usage = step(env, "UsageUpdate");
            assertEquals("success", usage.get("result").asText(), usage.toString());
            JsonNode update = usage.get("updates").get(0);
            assertEquals("tblhosting", update.get("table").asText());
            assertEquals(101, update.at("/where/id").asInt());
            assertEquals(500 * 1024, update.at("/values/bwlimit").asInt(), "the large plan's traffic allowance");
            assertTrue(update.at("/values/diskusage").asInt() >= 0);
            JsonNode meters = whmcs.get("/api/v1/provisioning/services/101/usage").json();
            assertTrue(meters.at("/meters/ve.hours/quantity").isTextual(), "meters cross as decimal strings: " + meters);

            // single sign-on: the link alone logs nobody in; confirmed, it opens the customer's portal; once
            JsonNode sso = step(env, "ServiceSingleSignOn");
            assertTrue(sso.at("/result/success").asBoolean(), sso.toString());
            String link = sso.at("/result/redirectTo").asText();
            assertTrue(link.contains("/portal/#sso="), link);
            singleSignOn(panel, link, ve);
            assertProblem(panel.anonymous(HttpRequest.newBuilder(panel.uri("/api/v1/auth/login-link")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + link.substring(link.indexOf("#sso=") + 5) + "\"}"))), 400,
                    "The login link is wrong, used or expired (links work once, for a minute); open the panel from your billing area again.");

            // password change: the old one stops working at once
            assertEquals("success", step(env, "ChangePassword:password=Another-Password-2").get("result").asText());
            assertThrows(AssertionError.class, () -> panel.login("ada", PASSWORD));
            panel.login("ada", "Another-Password-2");

            // Vessel issues no invoice to the external system's customer, but meters its usage
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P40D\"}").status());
            BillingApi.billingRun(panel);
            assertEquals("[]", panel.get("/api/v1/billing/invoices?tenant=" + tenant).json().toString(), "invoiced by WHMCS, not by Vessel");

            // terminate: the VE is destroyed, the customer's login removed; terminating again answers the same
            JsonNode terminated = step(env, "TerminateAccount");
            assertEquals("success", terminated.get("result").asText(), terminated.toString());
            PanelProcess.poll(Duration.ofSeconds(60), () -> "TERMINATED".equals(whmcs.get("/api/v1/provisioning/services/101").json().get("state").asText()),
                    "the service is terminated");
            assertEquals(404, panel.get("/api/v1/ves/" + ve).status(), "its VE is gone");
            assertThrows(AssertionError.class, () -> panel.login("ada", "Another-Password-2"));
            assertEquals("success", step(env, "TerminateAccount").get("result").asText(), "terminating twice is fine");
        }
    }

    @Test
    void badOrdersLeaveNothingAndSellersStayApart() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-provisioning-apart");
        // HTTPS off: plain HTTP from the network reaches the API, and provisioning must refuse it by itself
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_HTTPS_PORT", "0")).start()) {
            plan(panel, "small", "Small VPS", "5.00", 256, 100);
            String token = panel.post("/api/v1/me/tokens", "{\"name\":\"whmcs\",\"permissions\":[\"provisioning\"]}").json().get("secret").asText();
            PanelProcess.As whmcs = PanelProcess.As.bearer(panel, token);
            assertEquals(200, whmcs.get("/api/v1/provisioning/test").status(), "from the machine itself, plain HTTP will do");
            java.net.InetAddress outside = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                    .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).findFirst().orElse(null);
            if (outside != null) {
                java.net.http.HttpResponse<String> plain = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                java.net.URI.create("http://" + outside.getHostAddress() + ":" + panel.port + "/api/v1/provisioning/test"))
                        .header("Authorization", "Bearer " + token).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(403, plain.statusCode(), plain.body());
                assertTrue(plain.body().contains("https-required"), plain.body());
            }
            int tenantsBefore = panel.get("/api/v1/tenants").json().size();

            // incomplete or wrong orders are refused naming the fields
            PanelProcess.Response incomplete = whmcs.post("/api/v1/provisioning/services", "{\"serviceId\":\"bad id!\",\"hostname\":\"-x-\"}");
            assertProblem(incomplete, 422, null);
            assertEquals(List.of("serviceId", "customerName", "plan", "template", "hostname"), incomplete.json().findValuesAsText("field"));
            PanelProcess.Response unknownPlan = whmcs.post("/api/v1/provisioning/services", order("201", "9", "gold", "busybox", "bob"));
            assertEquals("plan", unknownPlan.json().at("/errors/0/field").asText(), unknownPlan.toString());

            // a VE that cannot be made: the service is FAILED and nothing of it is left; sent again, it is made
            PanelProcess.Response failed = whmcs.post("/api/v1/provisioning/services", order("202", "9", "small", "no-such-template", "bob"));
            assertEquals(422, failed.status(), failed.toString());
            JsonNode failedService = whmcs.get("/api/v1/provisioning/services/202").json();
            assertEquals("FAILED", failedService.get("state").asText());
            assertTrue(failedService.path("tenant").isMissingNode(), "no customer left behind: " + failedService);
            assertEquals(tenantsBefore, panel.get("/api/v1/tenants").json().size(), "no tenant left behind");
            assertThrows(AssertionError.class, () -> panel.login("bob", PASSWORD), "no login left behind");
            PanelProcess.Response retried = whmcs.post("/api/v1/provisioning/services", order("202", "9", "small", "busybox", "bob"));
            assertEquals(202, retried.status(), retried.toString());
            PanelProcess.poll(Duration.ofSeconds(60), () -> "ACTIVE".equals(whmcs.get("/api/v1/provisioning/services/202").json().get("state").asText()),
                    "the retried service is made");

            // a second service of the same client shares its customer; no password sent: the panel makes one, shown until read
            PanelProcess.Response second = whmcs.post("/api/v1/provisioning/services", "{\"serviceId\":\"203\",\"clientId\":\"9\","
                    + "\"customerName\":\"Bob\",\"plan\":\"small\",\"template\":\"busybox\"}");
            assertEquals(202, second.status(), second.toString());
            assertEquals(whmcs.get("/api/v1/provisioning/services/202").json().get("tenant").asText(), second.json().get("tenant").asText());
            PanelProcess.Response third = whmcs.post("/api/v1/provisioning/services", "{\"serviceId\":\"204\",\"customerName\":\"Carol\","
                    + "\"plan\":\"small\",\"template\":\"busybox\"}");
            String generated = third.json().get("password").asText();
            assertTrue(generated.length() >= 16, third.toString());
            assertEquals(generated, whmcs.post("/api/v1/provisioning/services", "{\"serviceId\":\"204\",\"customerName\":\"Carol\","
                    + "\"plan\":\"small\",\"template\":\"busybox\"}").json().get("password").asText(), "a lost answer is answered again");
            assertEquals(generated, whmcs.get("/api/v1/provisioning/services/204").json().get("password").asText());
            assertTrue(whmcs.get("/api/v1/provisioning/services/204").json().path("password").isMissingNode(), "forgotten once read");

            // a reseller provisions its own customers only, and customers never provision
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Resale Ltd\",\"kind\":\"RESELLER\"}"));
            panel.createAccount(reseller, "reselleradmin", "reseller-admin", PASSWORD);
            PanelProcess.As resellerAdmin = panel.login("reselleradmin", PASSWORD);
            PanelProcess.As resellerWhmcs = PanelProcess.As.bearer(panel, resellerAdmin.post("/api/v1/me/tokens",
                    "{\"name\":\"whmcs\",\"permissions\":[\"provisioning\"]}").json().get("secret").asText());
            assertProblem(resellerWhmcs.get("/api/v1/provisioning/services/202"), 404, null);
            assertEquals("[]", resellerWhmcs.get("/api/v1/provisioning/services").json().toString());
            assertProblem(resellerWhmcs.post("/api/v1/provisioning/services/202/suspend", "{\"reason\":\"x\"}"), 404, null);
            assertProblem(resellerWhmcs.post("/api/v1/provisioning/services", order("301", "1", "small", "busybox", "carl")), 422, null);
            PanelProcess.As bob = panel.login("bob", PASSWORD);
            assertProblem(bob.get("/api/v1/provisioning/test"), 403, null);
            PanelProcess.As readOnly = PanelProcess.As.bearer(panel, panel.post("/api/v1/me/tokens",
                    "{\"name\":\"ro\",\"permissions\":[\"ve.read\"]}").json().get("secret").asText());
            assertProblem(readOnly.get("/api/v1/provisioning/services"), 403, null);
        }
    }

    /** Opens a login link in a browser: it shows whose account it opens, logs in only on "Continue", then the portal lists the VE. */
    private static void singleSignOn(PanelProcess panel, String link, int ve) throws Exception {
        WebDriver phone = PortalIT.chromium(390, 844);
        try {
            WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(30));
            phone.get(link);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sso-user"), "ada"));
            assertFalse(phone.getCurrentUrl().contains("sso="), "the secret left the address bar: " + phone.getCurrentUrl());
            Object loggedIn = ((org.openqa.selenium.JavascriptExecutor) phone).executeAsyncScript(
                    "const done = arguments[0]; fetch('/api/v1/auth/session').then(r => r.json()).then(s => done(s.loggedIn));");
            assertEquals(Boolean.FALSE, loggedIn, "opening the link logs nobody in");
            AdminPanelIT.assertFitsAndLabelled(phone, "login link confirmation");
            PortalIT.screenshot(phone, "portal-sso-confirm");
            phone.findElement(By.id("sso-continue")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-ve-state='" + ve + "']")));
            assertEquals("ada", phone.findElement(By.id("who")).getText());
            assertEquals(List.of(), PortalIT.consoleErrors(phone));
        } finally {
            phone.quit();
        }
    }

    private static String order(String serviceId, String clientId, String plan, String template, String username) {
        return "{\"serviceId\":\"" + serviceId + "\",\"clientId\":\"" + clientId + "\",\"customerName\":\"Customer " + clientId + "\",\"email\":\""
                + username + "@example.com\",\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\",\"plan\":\"" + plan
                + "\",\"template\":\"" + template + "\"}";
    }

    private static void plan(PanelProcess panel, String code, String name, String price, int memoryMiB, int trafficGiB) {
        PanelProcess.Response made = panel.post("/api/v1/billing/plans", "{\"code\":\"" + code + "\",\"name\":\"" + name + "\",\"currency\":\"EUR\","
                + "\"period\":\"MONTH\",\"price\":\"" + price + "\",\"quotas\":{\"memoryMiB\":" + memoryMiB + ",\"trafficGiB\":" + trafficGiB
                + ",\"trafficPolicy\":\"BILL\"},\"charges\":[{\"meter\":\"ve.hours\",\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.01\"}}]}");
        assertEquals(201, made.status(), made.toString());
    }

    /** One module function called by the harness, its JSON line. */
    private static JsonNode step(Map<String, String> env, String step) throws Exception {
        Result result = run(List.of("php", MODULE.resolve("tests/harness.php").toString(), step), env);
        assertEquals(0, result.exit(), step + ": " + result);
        return PanelProcess.JSON.readTree(result.out().strip());
    }

    record Result(int exit, String out, String err) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        var out = process.getInputStream().readAllBytes();
        var err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
