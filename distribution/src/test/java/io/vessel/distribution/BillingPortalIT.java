package io.vessel.distribution;

import static io.vessel.distribution.PortalIT.chromium;
import static io.vessel.distribution.PortalIT.consoleErrors;
import static io.vessel.distribution.PortalIT.screenshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Billing in the customer portal, in headless Chromium on a phone-sized screen: the Billing page (contributed by the
 * billing bundle through the plugin SPI) shows the invoice the API issued, opened in the page with the same total;
 * the VE's Cost tab follows a real VE's CPU as it burns, live and without a reload; overdue, the page says why the
 * server is suspended and what is due, and once paid the notice is gone.
 */
class BillingPortalIT {

    @Test
    void aCustomerSeesItsInvoicesLiveCostAndSuspensionInThePortal() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-billing-portal");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\nkernel.accounting.interval = 2\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Corner Shop\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(200, BillingApi.put(panel, "/api/v1/billing/accounts/" + customer,
                    "{\"currency\":\"EUR\",\"timeZone\":\"UTC\"}").status()); // anchored on today: a whole period in advance, whatever the date
            panel.createAccount(customer, "shopowner", "customer-owner", "Shop-Password-1");
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"shop\",\"owner\":\"" + customer + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"shop\",\"name\":\"Shop VPS\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"10.00\",\"quotas\":{\"memoryMiB\":1024,\"trafficGiB\":50,\"trafficPolicy\":\"BILL\"},\"charges\":[{\"meter\":\"cpu.seconds\",\"price\":{\"model\":\"perUnit\","
                    + "\"unitPrice\":\"0.10\"}}]}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\",\"ve\":" + ve + "}")
                    .status());
            List<String> numbers = BillingApi.run(panel);
            assertEquals(1, numbers.size());
            JsonNode invoice = panel.get("/api/v1/billing/invoices?tenant=" + customer).json().get(0);

            WebDriver phone = chromium(390, 844);
            try {
                WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(30));
                PortalIT.logIn(phone, base + "/portal/", "shopowner", "Shop-Password-1");
                wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-live", "true"));
                // the page billing contributes, in the portal's menu
                click(wait, By.cssSelector("a[data-plugin-nav='io.vessel.billing/billing']"));
                By row = By.cssSelector("#billing-invoices [data-invoice='" + numbers.get(0) + "']");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "open"));
                assertEquals("0.00 EUR", textOf(phone, By.id("billing-balance")));
                assertTrue(textOf(phone, By.id("billing-subscriptions")).contains("Shop VPS"));
                // what the plan grants beside what the server uses now
                String grants = textOf(phone, By.cssSelector("#billing-subscriptions [data-quotas]"));
                assertTrue(grants.matches("Memory ([0-9.]+ [KMG]?i?B of )?1\\.0 GiB · Traffic 50 GiB a month"), grants);
                AdminPanelIT.assertFitsAndLabelled(phone, "billing page");
                screenshot(phone, "portal-billing");
                click(wait, By.cssSelector("[aria-label='Show invoice " + numbers.get(0) + "']"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("invoice-total"), invoice.get("total").asText() + " EUR"));
                screenshot(phone, "portal-invoice");
                // the dialog's Download PDF, fetched with the customer's own session and read back
                String href = phone.findElement(By.id("invoice-pdf")).getAttribute("href");
                String base64 = (String) ((JavascriptExecutor) phone).executeAsyncScript("const done = arguments[arguments.length - 1];"
                        + "fetch(arguments[0], { credentials: 'same-origin' }).then(r => r.ok ? r.blob() : Promise.reject(r.status))"
                        + ".then(b => { const f = new FileReader(); f.onload = () => done(f.result.split(',')[1]); f.readAsDataURL(b); })"
                        + ".catch(e => done('failed ' + e));", href);
                byte[] pdf = java.util.Base64.getDecoder().decode(base64);
                JsonNode full = panel.get("/api/v1/billing/invoices/" + invoice.get("id").asText()).json();
                try (org.apache.pdfbox.pdmodel.PDDocument document = org.apache.pdfbox.Loader.loadPDF(pdf)) {
                    String text = new org.apache.pdfbox.text.PDFTextStripper().getText(document);
                    assertTrue(text.contains(numbers.get(0)) && text.contains(full.get("total").asText() + " EUR"), text);
                    for (JsonNode line : full.get("lines")) {
                        assertTrue(text.contains(line.get("description").asText()) && text.contains(line.get("amount").asText()), line + " in " + text);
                    }
                }
                phone.findElement(By.cssSelector("#invoice-dialog button")).click();

                // the VE's Cost tab: the CPU it burns shows up live, without a reload
                phone.get(base + "/portal/#/ves/" + ve);
                click(wait, By.cssSelector("[data-plugin-tab='io.vessel.billing/ve-cost']"));
                By soFar = By.id("ve-cost-so-far");
                // the cost lines are drawn anew with every sample: an element found may be replaced before it is read
                BigDecimal before = amount(textOf(phone, soFar));
                ((JavascriptExecutor) phone).executeScript("window.notReloaded = true;");
                PanelProcess.Response burn = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command",
                        List.of("timeout", "8", "sh", "-c", "while :; do :; done"), "timeoutSeconds", 20))); // 2 s of CPU at least, however loaded
                assertEquals(200, burn.status(), burn.toString());
                settling(phone, 40).until(d -> amount(d.findElement(soFar).getText()).compareTo(before.add(new BigDecimal("0.20"))) >= 0);
                assertEquals(Boolean.TRUE, ((JavascriptExecutor) phone).executeScript("return window.notReloaded === true;"), "updated in place");
                settling(phone, 10).until(d -> d.findElement(By.cssSelector("[data-cost-line='cpu.seconds']")).getText().contains("used"));
                // the cost per day: the days of the period so far, as the API counts them
                JsonNode daily = panel.get("/api/v1/billing/ves/" + ve + "/cost/daily").json();
                assertTrue(daily.get("days").size() >= 1, daily.toString());
                settling(phone, 10).until(d -> d.findElement(By.cssSelector("#ve-cost-daily svg.chart")).getAttribute("aria-label").contains("EUR"));
                AdminPanelIT.assertFitsAndLabelled(phone, "VE cost tab");
                screenshot(phone, "portal-ve-cost");

                // the list of servers: each one's cost so far and projected, in a column billing adds
                phone.get(base + "/portal/#/ves");
                By listed = By.cssSelector("[data-ve-cost='" + ve + "']");
                String listedCost = textOf(phone, listed);
                JsonNode perVe = panel.get("/api/v1/billing/accounts/" + customer + "/cost").json().get("ves").get(0);
                assertEquals(ve, perVe.get("ve").asInt());
                assertTrue(listedCost.endsWith(" EUR") && listedCost.contains(" → "), listedCost);
                AdminPanelIT.assertFitsAndLabelled(phone, "list of servers with their cost");

                // overdue: the server is suspended, and the Billing page says why and what is due
                assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P22D\"}").status());
                assertTrue(panel.post("/api/v1/billing/dunning", "").body().contains("suspend"));
                phone.get(base + "/portal/#/plugin/io.vessel.billing/billing");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("billing-suspended"), "suspended for non-payment"));
                String due = panel.get("/api/v1/billing/invoices/" + invoice.get("id").asText()).json().get("amountDue").asText();
                assertTrue(textOf(phone, By.id("billing-suspended")).contains("Pay " + due + " EUR"), "a pay button for what is due");
                screenshot(phone, "portal-billing-suspended");

                // paid (a bank transfer the provider records): the server runs again and the notice is gone
                assertEquals(201, panel.post("/api/v1/billing/accounts/" + customer + "/payments", "{\"amount\":\"" + due
                        + "\",\"method\":\"BANK_TRANSFER\"}").status());
                PanelProcess.poll(Duration.ofSeconds(60), () -> "RUNNING".equals(panel.get("/api/v1/ves/" + ve).json().get("state").asText()),
                        "the VE runs again");
                phone.navigate().refresh();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "paid"));
                assertTrue(phone.findElements(By.id("billing-suspended")).isEmpty(), "no suspension notice once paid");
                List<String> errors = consoleErrors(phone).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                phone.quit();
            }
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /** The text of an element that live updates may replace between finding and reading it: found and read again until both succeed. */
    private static String textOf(WebDriver driver, By target) {
        return settling(driver, 30).until(d -> {
            String text = d.findElement(target).getText();
            return text.isEmpty() ? null : text;
        });
    }

    /** A wait whose condition finds its elements anew each time: the page draws them again with every sample. */
    private static org.openqa.selenium.support.ui.FluentWait<WebDriver> settling(WebDriver driver, int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds)).ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    }

    private static BigDecimal amount(String text) {
        return new BigDecimal(text.replace(" EUR", "").strip());
    }

    private static void click(WebDriverWait wait, By target) {
        wait.until(ExpectedConditions.elementToBeClickable(target)).click();
    }
}
