package io.vessel.distribution;

import static io.vessel.distribution.PortalIT.chromium;
import static io.vessel.distribution.PortalIT.logIn;
import static io.vessel.distribution.PortalIT.screenshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The provider's administrator runs billing from the admin panel's Billing page (contributed by the billing bundle),
 * on a phone: approves a customer's first order (its VE is made), records a bank transfer against an invoice, issues
 * a credit note, exports the period's invoices as CSV and takes a plan off the portal's order form.
 */
class AdminBillingIT {

    @Test
    void anAdministratorApprovesOrdersRecordsPaymentsCreditsAndExports() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-admin-billing");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"vps\",\"name\":\"VPS\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"20.00\"}"));
            assertEquals(200, BillingApi.put(panel, "/api/v1/billing/plans/" + plan + "/ordering", "{\"firstOrderApproval\":true}").status());
            String newcomer = BillingApi.customerWithOwner(panel, "Newcomer", "newowner");
            String bakery = BillingApi.customerWithOwner(panel, "Bakery", "bakeryowner");
            PanelProcess.Response pending = panel.login("newowner", "Owner-Password-1").post("/api/v1/billing/orders",
                    "{\"plan\":\"" + plan + "\",\"template\":\"busybox\",\"hostname\":\"new1\"}");
            assertEquals(201, pending.status(), pending.toString());
            BillingApi.move(panel, "2027-03-01T00:30:00Z");
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + bakery + "\",\"plan\":\"" + plan + "\"}").status());
            String number = BillingApi.run(panel).get(0);

            WebDriver phone = chromium(390, 844);
            try {
                WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(60));
                logIn(phone, base + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                phone.get(base + "/admin/#/plugin/io.vessel.billing/billing-admin");
                By orderRow = By.cssSelector("#admin-orders [data-order='" + pending.json().get("id").asText() + "']");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(orderRow, "Newcomer"));
                By invoiceRow = By.cssSelector("#admin-invoices [data-invoice='" + number + "']");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(invoiceRow, "open"));
                AdminPanelIT.assertFitsAndLabelled(phone, "admin billing page");
                screenshot(phone, "admin-billing");

                // the first order approved: its VE is made for the customer
                jsClick(phone, phone.findElement(By.cssSelector("[aria-label='Approve order of Newcomer']")));
                PanelProcess.poll(Duration.ofSeconds(60), () -> panel.get("/api/v1/billing/subscriptions?tenant=" + newcomer).json().path(0).hasNonNull("ve"),
                        "the approved order's subscription and its VE");
                int ve = panel.get("/api/v1/billing/subscriptions?tenant=" + newcomer).json().get(0).get("ve").asInt();
                assertEquals(newcomer, panel.get("/api/v1/ves/" + ve).json().get("owner").asText());
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("admin-orders"), "No order is waiting"));

                // a bank transfer recorded against the invoice, then a credit note on it
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[aria-label='Record payment for " + number + "']"))));
                WebElement reference = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dialog-form input[name=reference]")));
                reference.sendKeys("SEPA 4711");
                jsClick(phone, phone.findElement(By.cssSelector("#dialog-form button[type=submit]")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(invoiceRow, "paid"));
                JsonNode invoice = panel.get("/api/v1/billing/invoices?tenant=" + bakery).json().get(0);
                assertEquals("0.00", invoice.get("amountDue").asText(), invoice.toString());
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[aria-label='Credit " + number + "']"))));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dialog-form input[name=amount]"))).sendKeys("5.95");
                phone.findElement(By.cssSelector("#dialog-form input[name=reason]")).sendKeys("outage on 2 March");
                jsClick(phone, phone.findElement(By.cssSelector("#dialog-form button[type=submit]")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("admin-invoices"), "credit note"));
                JsonNode documents = panel.get("/api/v1/billing/invoices?tenant=" + bakery).json();
                assertEquals("-5.95", documents.get(1).get("total").asText(), documents.toString());

                // the period's invoices as CSV, downloaded with the administrator's session
                ((JavascriptExecutor) phone).executeScript("const f = document.getElementById('invoice-from'); f.value = '2027-03-01';"
                        + "document.getElementById('invoice-to').value = '2027-04-01';"
                        + "document.getElementById('invoice-filter').requestSubmit();");
                WebElement export = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("export-invoices")));
                String csv = (String) ((JavascriptExecutor) phone).executeAsyncScript("const done = arguments[arguments.length - 1];"
                        + "fetch(arguments[0].href, { credentials: 'same-origin' }).then(r => r.text()).then(done, e => done('failed ' + e));", export);
                assertTrue(csv.startsWith("number,kind,") && csv.contains(number + ",INVOICE,") && csv.contains(",CREDIT_NOTE,"), csv);

                // a plan taken off the portal's order form
                jsClick(phone, phone.findElement(By.cssSelector("[aria-label='Customers order vps']")));
                PanelProcess.poll(Duration.ofSeconds(10), () -> !panel.get("/api/v1/billing/plans/" + plan).json().get("orderable").asBoolean(),
                        "the plan is no longer offered");
                assertFalse(panel.login("bakeryowner", "Owner-Password-1").get("/api/v1/billing/orders/plans").body().contains("\"vps\""));
                // the revenue dashboard: both customers' subscriptions run; March billed the invoice (a hair under 20.00: the
                // subscription began a moment after midnight), less the 5.95 credited
                JsonNode eur = panel.get("/api/v1/billing/revenue?months=3").json().get(0);
                assertEquals("EUR", eur.get("currency").asText());
                assertEquals("40.00", eur.get("mrr").asText(), eur.toString());
                assertEquals(2, eur.get("subscriptions").asInt());
                JsonNode march = eur.get("months").get(2);
                assertEquals("2027-03", march.get("month").asText());
                java.math.BigDecimal billed = new java.math.BigDecimal(documents.get(0).get("subtotal").asText());
                assertEquals(billed.toPlainString() + " 0.00 -5.95 " + billed.subtract(new java.math.BigDecimal("5.95")).toPlainString(),
                        march.get("recurring").asText() + " " + march.get("usage").asText() + " " + march.get("credits").asText() + " "
                                + march.get("total").asText());
                assertEquals("0.00", eur.get("outstanding").asText(), "paid");
                phone.navigate().refresh();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-mrr='EUR']"), "40.00 EUR (2 subscriptions)"));
                assertTrue(phone.findElement(By.cssSelector("[data-revenue='EUR'] svg.chart")).getAttribute("aria-label").contains(billed.toPlainString() + " EUR"));
                AdminPanelIT.assertFitsAndLabelled(phone, "admin billing page with revenue");
                screenshot(phone, "admin-billing-revenue");

                // the newcomer does not pay: dunning reminds; paused for a promise to pay, it takes no further step
                assertEquals(1, BillingApi.run(panel).size(), "the newcomer's first invoice");
                assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P16D\"}").status());
                assertTrue(panel.post("/api/v1/billing/dunning", "").body().contains("remind"));
                phone.navigate().refresh();
                By dunningRow = By.cssSelector("#admin-dunning [data-dunning='" + newcomer + "']");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(dunningRow, "remind"));
                jsClick(phone, phone.findElement(By.cssSelector("[aria-label='Pause dunning for Newcomer']")));
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dialog-form button[type=submit]"))));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(dunningRow, "Resume")); // "paused until …" is in a column a phone hides
                assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P6D\"}").status());
                assertFalse(panel.post("/api/v1/billing/dunning", "").body().contains("suspend"), "paused: not suspended at 8 days");
                JsonNode overview = panel.get("/api/v1/billing/dunning").json().get(0);
                assertEquals(1, overview.get("step").asInt(), overview.toString());
                assertTrue(overview.hasNonNull("pausedUntil"));
                assertFalse("SUSPENDED".equals(panel.get("/api/v1/ves/" + ve).json().get("state").asText()), "the VE is not held");
                List<String> errors = PortalIT.consoleErrors(phone).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                phone.quit();
            }
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    @Test
    void anAdministratorEditsPlansCustomerAccountsAndSettings() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-admin-plans");
        try (PanelProcess panel = new PanelProcess(work, java.util.Map.of()).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            String bakery = BillingApi.customerWithOwner(panel, "Bakery", "bakeryowner");
            WebDriver phone = chromium(390, 844);
            try {
                WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(60));
                logIn(phone, base + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);

                // a plan with a graduated usage charge, made in the editor; a wrong price is named before anything is made
                phone.get(base + "/admin/#/plugin/io.vessel.billing/billing-plans");
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.id("plan-new"))));
                type(phone, "plan-code", "web");
                type(phone, "plan-name", "Web hosting");
                type(phone, "plan-price", "nine");
                type(phone, "plan-q-memoryMiB", "512");
                type(phone, "plan-q-trafficGiB", "100");
                type(phone, "plan-q-backupGiB", "20");
                jsClick(phone, phone.findElement(By.id("plan-backupsWhileSuspended"))); // no backups of suspended VEs
                type(phone, "plan-b-cron", "0 2 * * *");
                type(phone, "plan-b-keep-daily", "7");
                jsClick(phone, phone.findElement(By.id("plan-add-charge")));
                WebElement charge = phone.findElement(By.cssSelector(".plan-charge"));
                charge.findElement(By.cssSelector("[data-charge=meter]")).sendKeys("network.egress.gib");
                charge.findElement(By.cssSelector("[data-charge=included]")).sendKeys("10");
                new org.openqa.selenium.support.ui.Select(charge.findElement(By.cssSelector("[data-charge=model]"))).selectByValue("graduated");
                charge.findElement(By.cssSelector("[data-charge=tiers]")).sendKeys("100, 0.05\n*, 0.02");
                AdminPanelIT.assertFitsAndLabelled(phone, "plan editor");
                jsClick(phone, phone.findElement(By.id("plan-save")));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#plan-error [data-field=price]")));
                assertEquals("[]", panel.get("/api/v1/billing/plans").json().toString(), "nothing made");
                WebElement price = phone.findElement(By.id("plan-price"));
                price.clear();
                price.sendKeys("9.00");
                screenshot(phone, "admin-plan-editor");
                jsClick(phone, phone.findElement(By.id("plan-save")));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#plans [data-plan=web]")));
                JsonNode web = panel.get("/api/v1/billing/plans").json().get(0);
                JsonNode tiers = web.at("/definition/charges/0/price");
                assertEquals("graduated", tiers.get("model").asText(), web.toString());
                assertEquals("0.05 0.02", tiers.at("/tiers/0/unitPrice").asText() + " " + tiers.at("/tiers/1/unitPrice").asText());
                assertEquals(512, web.at("/definition/quotas/memoryMiB").asInt());
                assertEquals(20, web.at("/definition/quotas/backupGiB").asInt());
                assertFalse(web.at("/definition/quotas/backupsWhileSuspended").asBoolean(true), web.toString());
                assertEquals("0 2 * * * UTC 7", web.at("/definition/backupSchedule/cron").asText() + " " + web.at("/definition/backupSchedule/timeZone")
                        .asText() + " " + web.at("/definition/backupSchedule/keep/daily").asInt(), web.toString());

                // a new version: the price changes, both versions are listed
                clickOnceSettled(phone, By.cssSelector("[aria-label='Edit web']"));
                price = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("plan-price")));
                price.clear();
                price.sendKeys("10.00");
                jsClick(phone, phone.findElement(By.id("plan-save")));
                PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/billing/plans").json().get(0).get("latestVersion").asInt() == 2,
                        "a second version");
                // the plan list is drawn again once the save is answered: the button found may be gone a moment later
                clickOnceSettled(phone, By.cssSelector("[aria-label='Versions of web']"));
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".plan-history li"), 2));
                AdminPanelIT.assertFitsAndLabelled(phone, "plans page");
                screenshot(phone, "admin-plans");

                // the customer's account: subscribed to the plan, its balance topped up
                phone.get(base + "/admin/#/plugin/io.vessel.billing/billing-accounts");
                new org.openqa.selenium.support.ui.Select(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("account-customer"))))
                        .selectByVisibleText("Bakery");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("account-subscribe")));
                jsClick(phone, phone.findElement(By.cssSelector("#account-subscribe button[type=submit]")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("account-subscriptions"), "Web hosting v2"));
                jsClick(phone, phone.findElement(By.id("account-top-up")));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dialog-form input[name=amount]"))).sendKeys("50.00");
                jsClick(phone, phone.findElement(By.cssSelector("#dialog-form button[type=submit]")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("account-balance"), "50.00 EUR"));
                assertEquals("50.00", panel.get("/api/v1/billing/accounts/" + bakery).json().get("balance").asText());
                AdminPanelIT.assertFitsAndLabelled(phone, "customer account");
                screenshot(phone, "admin-accounts");
                // part of the top-up given back: recorded against the payment
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#account-payments [aria-label^='Refund payment of 50.00']"))));
                WebElement refundAmount = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dialog-form input[name=amount]")));
                refundAmount.clear();
                refundAmount.sendKeys("20.00");
                phone.findElement(By.cssSelector("#dialog-form input[name=reason]")).sendKeys("asked back");
                jsClick(phone, phone.findElement(By.cssSelector("#dialog-form button[type=submit]")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("account-payments"), "refunded 20.00"));
                // the upcoming invoice issued now rather than at the period's end: the rest of this month's price (the
                // subscription began today), paid at once from the balance
                jsClick(phone, phone.findElement(By.id("account-bill-now")));
                PanelProcess.poll(Duration.ofSeconds(30), () -> panel.get("/api/v1/billing/invoices?tenant=" + bakery).json().size() == 1, "an invoice");
                JsonNode issued = panel.get("/api/v1/billing/invoices?tenant=" + bakery).json().get(0);
                assertEquals("0.00", issued.get("amountDue").asText(), "paid from the balance: " + issued);
                String left = new java.math.BigDecimal("30.00").subtract(new java.math.BigDecimal(issued.get("total").asText())).toPlainString();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("account-balance"), left + " EUR"));

                // a reseller's terms: billed for its customers' usage, and its customers' first orders wait for it
                String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Resale Ltd\",\"kind\":\"RESELLER\"}"));
                assertEquals(200, BillingApi.put(panel, "/api/v1/billing/accounts/" + reseller, "{\"currency\":\"EUR\"}").status());
                phone.navigate().refresh();
                new org.openqa.selenium.support.ui.Select(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("account-customer"))))
                        .selectByVisibleText("Resale Ltd (reseller)");
                new org.openqa.selenium.support.ui.Select(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("terms-wholesale"))))
                        .selectByValue("USAGE");
                jsClick(phone, phone.findElement(By.id("terms-approval")));
                phone.findElement(By.id("terms-ratio-memoryMiB")).sendKeys("1.5");
                AdminPanelIT.assertFitsAndLabelled(phone, "reseller terms");
                jsClick(phone, phone.findElement(By.id("terms-save")));
                PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/billing/resellers/" + reseller + "/terms").json()
                        .path("firstOrderApproval").asBoolean(), "the reseller's terms are saved");
                JsonNode terms = panel.get("/api/v1/billing/resellers/" + reseller + "/terms").json();
                assertEquals("USAGE 1.5", terms.get("wholesale").asText() + " " + terms.at("/oversell/memoryMiB").asText(), terms.toString());
                panel.createAccount(reseller, "reselleradmin", "reseller-admin", "Owner-Password-1");
                PanelProcess.As resale = panel.login("reselleradmin", "Owner-Password-1");
                assertEquals(201, resale.post("/api/v1/billing/plans", "{\"code\":\"mini\",\"name\":\"Mini\",\"currency\":\"EUR\","
                        + "\"period\":\"MONTH\",\"price\":\"3.00\"}").status());
                String mini = resale.get("/api/v1/billing/plans").json().get(0).get("id").asText();
                String shop = PanelProcess.createdId(resale.post("/api/v1/tenants", "{\"name\":\"Reseller's shop\",\"kind\":\"CUSTOMER\"}"));
                panel.createAccount(shop, "resaleshop", "customer-owner", "Owner-Password-1");
                PanelProcess.Response first = panel.login("resaleshop", "Owner-Password-1").post("/api/v1/billing/orders",
                        "{\"plan\":\"" + mini + "\",\"template\":\"busybox\"}");
                assertEquals("PENDING", first.json().path("state").asText(), "the plan does not ask, the reseller's terms do: " + first);

                // what documents print, and a tax rate
                phone.get(base + "/admin/#/plugin/io.vessel.billing/billing-settings");
                type(phone, "issuer-legalName", "Example Hosting GmbH");
                phone.findElement(By.id("issuer-address")).sendKeys("Hauptstr. 1\n10115 Berlin");
                jsClick(phone, phone.findElement(By.id("issuer-save")));
                PanelProcess.poll(Duration.ofSeconds(10), () -> "Example Hosting GmbH".equals(panel.get("/api/v1/billing/invoice-settings").json()
                        .path("legalName").asText()), "the invoice settings are saved");
                type(phone, "tax-country", "DE");
                jsClick(phone, phone.findElement(By.id("tax-add-rate")));
                WebElement rate = phone.findElement(By.cssSelector(".tax-rate"));
                rate.findElement(By.cssSelector(".rate-country")).sendKeys("DE");
                rate.findElement(By.cssSelector(".rate-rate")).sendKeys("19");
                rate.findElement(By.cssSelector(".rate-name")).sendKeys("VAT");
                AdminPanelIT.assertFitsAndLabelled(phone, "billing settings");
                screenshot(phone, "admin-billing-settings");
                jsClick(phone, phone.findElement(By.id("tax-save")));
                PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/billing/tax-settings").json().path("rates").size() == 1,
                        "the tax rate is saved");
                JsonNode vat = panel.get("/api/v1/billing/tax-settings").json().at("/rates/0");
                assertEquals("DE 19 VAT", vat.get("country").asText() + " " + new java.math.BigDecimal(vat.get("rate").asText()).stripTrailingZeros()
                        .toPlainString() + " " + vat.get("name").asText());

                // the plan retired: it stays on the list, marked, and nobody new subscribes
                phone.get(base + "/admin/#/plugin/io.vessel.billing/billing-plans");
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[aria-label='Retire web']"))));
                jsClick(phone, wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#dialog-form button[type=submit]"))));
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[aria-label='Retire web']"))); // its state is in a column phones hide
                assertTrue(panel.get("/api/v1/billing/plans/" + web.get("id").asText()).json().hasNonNull("retiredAt"));
                assertTrue(phone.findElements(By.cssSelector("[aria-label='Edit web']")).isEmpty(), "a retired plan is not edited");
                List<String> errors = PortalIT.consoleErrors(phone).stream().filter(e -> !e.contains("favicon") && !e.contains("422")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                phone.quit();
            }
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static void type(WebDriver browser, String id, String text) {
        WebElement field = new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(By.id(id)));
        field.clear();
        field.sendKeys(text);
    }

    /** Finds and clicks {@code what} again while the page replaces it (a list drawn again after an answer). */
    private static void clickOnceSettled(WebDriver browser, By what) {
        new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class).until(d -> {
                    jsClick(d, d.findElement(what));
                    return true;
                });
    }

    /** A click the way a finger does it, not blocked by a toast that covers the button on a phone. */
    private static void jsClick(WebDriver browser, WebElement element) {
        ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element);
    }
}
