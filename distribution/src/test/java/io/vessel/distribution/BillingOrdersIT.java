package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static io.vessel.distribution.PortalIT.chromium;
import static io.vessel.distribution.PortalIT.screenshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Customers order for themselves, by clicking in the portal: the plans on offer (not the hidden ones), a first order
 * that waits for the seller's approval (approved: the VE is made; refused: the customer reads why), a server ordered
 * and made at once, another plan with the prorated price shown before and equal to what the API says, and a
 * cancellation at the period's end; nobody touches another customer's subscriptions.
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class BillingOrdersIT {

    @Test
    void aCustomerOrdersChangesAndCancelsInThePortal() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-billing-orders");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            String small = plan(panel, "small", "Small VPS", "5.00");
            String large = plan(panel, "large", "Large VPS", "12.00");
            String hidden = plan(panel, "hidden", "Internal", "1.00");
            String vetted = plan(panel, "vetted", "Vetted VPS", "8.00");
            assertEquals(200, BillingApi.put(panel, "/api/v1/billing/plans/" + hidden + "/ordering", "{\"orderable\":false}").status());
            assertEquals(200, BillingApi.put(panel, "/api/v1/billing/plans/" + vetted + "/ordering", "{\"firstOrderApproval\":true}").status());
            String shop = BillingApi.customerWithOwner(panel, "Corner Shop", "shopowner");
            String rival = BillingApi.customerWithOwner(panel, "Rival", "rivalowner");
            PanelProcess.As owner = panel.login("shopowner", "Owner-Password-1");
            PanelProcess.As other = panel.login("rivalowner", "Owner-Password-1");

            JsonNode offered = owner.get("/api/v1/billing/orders/plans").json();
            assertEquals(List.of("large", "small", "vetted"), offered.findValuesAsText("code"), "hidden plans are not offered");
            assertTrue(offered.get(2).get("needsApproval").asBoolean(), "a first order of the vetted plan waits");
            assertProblem(panel.admin().get("/api/v1/billing/orders/plans"), 403, null);

            // bad orders are refused naming the field; nothing is made
            PanelProcess.Response bad = owner.post("/api/v1/billing/orders", "{\"plan\":\"" + hidden + "\",\"template\":\"busybox\"}");
            assertProblem(bad, 422, null);
            assertEquals("plan", bad.json().at("/errors/0/field").asText());
            bad = owner.post("/api/v1/billing/orders", "{\"plan\":\"" + small + "\",\"hostname\":\"-bad-.example\"}");
            assertEquals("[\"template\",\"hostname\"]", PanelProcess.JSON.writeValueAsString(bad.json().findValuesAsText("field")));

            // the first order of a vetted plan waits; refused, the customer reads why; approved, its VE is made
            PanelProcess.Response waiting = other.post("/api/v1/billing/orders", "{\"plan\":\"" + vetted + "\",\"template\":\"busybox\"}");
            assertEquals(201, waiting.status(), waiting.toString());
            assertEquals("PENDING", waiting.json().get("state").asText());
            assertProblem(other.post("/api/v1/billing/orders/" + waiting.json().get("id").asText() + "/approve", ""), 403, null);
            JsonNode refused = panel.post("/api/v1/billing/orders/" + waiting.json().get("id").asText() + "/reject", "{\"reason\":\"ID check failed\"}")
                    .json();
            assertEquals("REJECTED", refused.get("state").asText(), refused.toString());
            assertEquals("ID check failed", other.get("/api/v1/billing/orders").json().get(0).get("reason").asText());
            assertEquals("[]", other.get("/api/v1/billing/subscriptions").json().toString(), "a refused order makes nothing");
            PanelProcess.Response second = other.post("/api/v1/billing/orders", "{\"plan\":\"" + vetted + "\",\"template\":\"busybox\"}");
            assertEquals(201, second.status(), "still a first order: " + second);
            PanelProcess.Response approved = panel.post("/api/v1/billing/orders/" + second.json().get("id").asText() + "/approve", "");
            assertEquals(202, approved.status(), approved.toString());
            VeLifecycleIT.awaitOperation(panel, approved);
            JsonNode rivalSubscription = other.get("/api/v1/billing/subscriptions").json().get(0);
            assertEquals("Vetted VPS", rivalSubscription.get("planName").asText());
            assertEquals(rival, panel.get("/api/v1/ves/" + rivalSubscription.get("ve").asInt()).json().get("owner").asText(), "the VE is the customer's");
            assertEquals("[]", panel.get("/api/v1/ves/" + rivalSubscription.get("ve").asInt() + "/ips").json().toString(), "the seller has no pool yet");

            // the plan's address pool: an ordered VE gets its first address from it; another seller's pool is refused
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"shop-nat\",\"cidr\":\"10.231.41.0/24\",\"mode\":\"NAT\"}").status());
            assertEquals("ipPool", BillingApi.put(panel, "/api/v1/billing/plans/" + vetted + "/ordering", "{\"ipPool\":\"no-such-pool\"}").json()
                    .at("/errors/0/field").asText());
            assertEquals("shop-nat", BillingApi.put(panel, "/api/v1/billing/plans/" + vetted + "/ordering", "{\"ipPool\":\"shop-nat\"}").json()
                    .get("orderIpPool").asText());
            PanelProcess.Response withAddress = other.post("/api/v1/billing/orders", "{\"plan\":\"" + vetted + "\",\"template\":\"busybox\"}");
            assertEquals(202, withAddress.status(), "no longer a first order: " + withAddress);
            VeLifecycleIT.awaitOperation(panel, withAddress);
            JsonNode all = other.get("/api/v1/billing/subscriptions").json();
            int addressed = all.get(all.size() - 1).get("ve").asInt();
            assertTrue(panel.get("/api/v1/ves/" + addressed + "/ips").json().get(0).get("address").asText().startsWith("10.231.41."),
                    "an address from the plan's pool");

            WebDriver phone = chromium(390, 844);
            try {
                WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(60));
                PortalIT.logIn(phone, base + "/portal/", "shopowner", "Owner-Password-1");
                phone.get(base + "/portal/#/plugin/io.vessel.billing/billing");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("order-form")));
                wait.until(d -> !new Select(d.findElement(By.id("order-template"))).getOptions().isEmpty());
                new Select(phone.findElement(By.id("order-plan"))).selectByValue(small);
                phone.findElement(By.id("order-hostname")).sendKeys("shop.example.com");
                AdminPanelIT.assertFitsAndLabelled(phone, "billing page with ordering");
                screenshot(phone, "portal-order");
                phone.findElement(By.id("order-submit")).click();
                By row = By.cssSelector("#billing-subscriptions tbody tr");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "Small VPS"));
                JsonNode subscription = owner.get("/api/v1/billing/subscriptions").json().get(0);
                int ve = subscription.get("ve").asInt();
                PanelProcess.poll(Duration.ofSeconds(60), () -> List.of("STOPPED", "RUNNING").contains(panel.get("/api/v1/ves/" + ve).json().get("state").asText()),
                        "the ordered VE is made");
                assertEquals("shop.example.com", panel.get("/api/v1/ves/" + ve).json().get("hostname").asText());

                // another plan: the prorated price is shown before, as the API computes it
                assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P10D\"}").status());
                BillingApi.billingRun(panel);
                String expected = owner.get("/api/v1/billing/orders/change-preview?subscription=" + subscription.get("id").asText() + "&plan=" + large)
                        .json().get("total").asText();
                assertProblem(other.get("/api/v1/billing/orders/change-preview?subscription=" + subscription.get("id").asText() + "&plan=" + large), 404, null);
                phone.navigate().refresh();
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[aria-label='Change plan of Small VPS']"))).click();
                new Select(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("change-plan")))).selectByValue(large);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("change-total"), expected + " EUR"));
                AdminPanelIT.assertFitsAndLabelled(phone, "plan change dialog");
                screenshot(phone, "portal-plan-change");
                phone.findElement(By.id("change-confirm")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("billing-subscriptions"), "Large VPS"));
                JsonNode changed = owner.get("/api/v1/billing/subscriptions").json();
                JsonNode current = changed.get(changed.size() - 1);
                assertEquals("Large VPS", current.get("planName").asText());
                assertEquals(ve, current.get("ve").asInt(), "the same server on the new plan");
                assertProblem(other.post("/api/v1/billing/orders/cancel", "{\"subscription\":\"" + current.get("id").asText() + "\"}"), 404, null);

                // cancelled at the period's end
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("toast"))); // "Your plan is changed." covers the row on a phone
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[aria-label='Cancel Large VPS']"))).click();
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#dialog-form button[type=submit]"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("billing-subscriptions"), "ends"));
                assertTrue(owner.get("/api/v1/billing/subscriptions/" + current.get("id").asText()).json().hasNonNull("cancelAt"));
                List<String> errors = PortalIT.consoleErrors(phone).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                phone.quit();
            }
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static String plan(PanelProcess panel, String code, String name, String price) {
        return PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"" + code + "\",\"name\":\"" + name + "\",\"currency\":\"EUR\","
                + "\"period\":\"MONTH\",\"price\":\"" + price + "\",\"quotas\":{\"memoryMiB\":256}}"));
    }
}
