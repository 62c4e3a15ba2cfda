package io.vessel.distribution;

import static io.vessel.distribution.PortalIT.chromium;
import static io.vessel.distribution.PortalIT.consoleErrors;
import static io.vessel.distribution.PortalIT.logIn;
import static io.vessel.distribution.PortalIT.screenshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The provider's admin panel in headless Chromium: a customer, its account and its VE, made by clicking. */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class AdminPanelIT {

    @TempDir
    Path work;

    @Test
    void theAdminCreatesACustomerWithAVeAndTheCustomerFindsItInThePortal() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            WebDriver browser = chromium(1280, 800);
            try {
                browser.get(base + "/admin/");
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("username"))).sendKeys("admin");
                browser.findElement(By.id("password")).sendKeys(PanelProcess.ADMIN_PASSWORD);
                browser.findElement(By.id("login")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("health"), "kernel"));
                screenshot(browser, "admin-dashboard");

                browser.get(base + "/admin/#/customers");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("new-tenant-name"))).sendKeys("Acme Hosting Ltd");
                browser.findElement(By.cssSelector("#new-tenant button[type=submit]")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#tenants [data-tenant='Acme Hosting Ltd']")));
                new Select(browser.findElement(By.id("new-account-tenant"))).selectByVisibleText("Acme Hosting Ltd");
                new Select(browser.findElement(By.id("new-account-role"))).selectByValue("customer-owner");
                browser.findElement(By.id("new-account-username")).sendKeys("acme");
                browser.findElement(By.id("new-account-password")).sendKeys("Acme-Password-12");
                browser.findElement(By.cssSelector("#new-account button[type=submit]")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#accounts [data-account='acme']")));
                screenshot(browser, "admin-customers");

                browser.get(base + "/admin/#/ves");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("new-ve-hostname"))).sendKeys("acme-web");
                new Select(browser.findElement(By.id("new-ve-owner"))).selectByVisibleText("Acme Hosting Ltd");
                browser.findElement(By.cssSelector("#new-ve button[type=submit]")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#ves [data-ve='acme-web']")));
                assertTrue(browser.findElement(By.cssSelector("#ves [data-ve='acme-web']")).getText().contains("Acme Hosting Ltd"));
                screenshot(browser, "admin-ves");
                List<String> errors = consoleErrors(browser);
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);

                // limits change from the list; templates and IP pools have their pages
                browser.findElement(By.cssSelector("[data-limits='acme-web']")).click();
                org.openqa.selenium.WebElement memory = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("input[name=memory]")));
                memory.clear();
                memory.sendKeys("256");
                browser.findElement(By.cssSelector("input[name=nesting]")).click(); // the provider grants containers inside
                browser.findElement(By.cssSelector("form[id^=limits-] button[type=submit]")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#ves [data-ve='acme-web']")));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#ves [data-ve='acme-web']"), "256.0 MiB"));
                browser.get(base + "/admin/#/templates");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("templates"), "READY"));
                assertTrue(browser.findElement(By.id("templates")).getText().contains("busybox@"));
                browser.get(base + "/admin/#/pools");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("new-pool-name"))).sendKeys("acme-lan");
                browser.findElement(By.id("new-pool-cidr")).sendKeys("10.88.0.0/24");
                new Select(browser.findElement(By.id("new-pool-owner"))).selectByVisibleText("Acme Hosting Ltd");
                browser.findElement(By.cssSelector("#new-pool button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#pools [data-pool='acme-lan']"), "Acme Hosting Ltd"));
                screenshot(browser, "admin-pools");
                assertEquals(256L << 20, panel.get("/api/v1/ves").json().get(0).at("/limits/memoryBytes").asLong());
                assertTrue(panel.get("/api/v1/ves").json().get(0).at("/features/nesting").asBoolean(), "nesting granted from the form");

                // the audit log shows what was just done, by whom
                browser.get(base + "/admin/#/audit");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "POST ves"));
                assertTrue(browser.findElement(By.id("audit")).getText().contains("POST tenants"));
                PortalIT.logOut(browser);

                // the customer logs in to the portal and finds the VE made for it
                logIn(browser, base + "/portal/", "acme", "Acme-Password-12");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
                assertEquals(1, browser.findElements(By.cssSelector("#ve-list tbody tr")).size());
                assertTrue(browser.findElement(By.id("ve-list")).getText().contains("acme-web"));
                // ... starts it, asks its console for the hostname, and stops it; the badge follows without a reload
                browser.findElement(By.cssSelector("#ve-list tbody tr a")).click();
                By badge = By.cssSelector("h1 [data-ve-state]");
                wait.until(ExpectedConditions.textToBe(badge, "STOPPED"));
                browser.findElement(By.cssSelector("[data-action='start']")).click();
                wait.until(ExpectedConditions.textToBe(badge, "RUNNING"));
                browser.findElement(By.id("open-console")).click();
                wait.until(d -> !d.findElement(By.cssSelector("#console .xterm-rows")).getText().isBlank());
                browser.findElement(By.cssSelector("#console .xterm-helper-textarea")).sendKeys("hostname\n");
                wait.until(d -> d.findElement(By.cssSelector("#console .xterm-rows")).getText().lines().anyMatch(l -> l.strip().equals("acme-web")));
                browser.findElement(By.cssSelector("[data-action='stop']")).click();
                wait.until(ExpectedConditions.textToBe(badge, "STOPPED"));
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    void customersAreEditedSuspendedImpersonatedAndDeletedAndEveryPageFitsAPhone() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            String beta = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Beta Ltd\",\"kind\":\"CUSTOMER\"}"));
            PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Gamma Ltd\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(beta, "beta", "customer-owner", "Beta-Password-12");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"beta-web\",\"name\":\"beta-web\",\"owner\":\"" + beta + "\"}"));
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"house-dns\",\"name\":\"house-dns\"}"));
            WebDriver browser = chromium(1280, 800);
            try {
                logIn(browser, base + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                // the dashboard shows the node's load, memory, storage pool and VEs
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-node]"), "Storage pool"));
                String node = browser.findElement(By.cssSelector("[data-node]")).getText();
                assertTrue(node.contains("CPUs") && node.contains("Memory") && node.contains("0 of 2"), node);
                assertEquals(4, browser.findElements(By.cssSelector("[data-node] meter")).size());
                screenshot(browser, "admin-dashboard");

                // edit: rename and require 2FA, in a dialog
                browser.get(base + "/admin/#/customers");
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[aria-label='Edit Beta Ltd']"))).click();
                WebElement name = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog-form-name")));
                name.clear();
                name.sendKeys("Beta Hosting");
                browser.findElement(By.id("dialog-form-require2fa")).click();
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-tenant='Beta Hosting']"), "2FA required"));
                // suspend with a reason; lift it again
                browser.findElement(By.cssSelector("[aria-label='Suspend Gamma Ltd']")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog-form-reason"))).sendKeys("unpaid invoice 2026-11");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-tenant='Gamma Ltd']"), "suspended: unpaid invoice 2026-11"));
                screenshot(browser, "admin-customers");
                browser.findElement(By.xpath("//tr[@data-tenant='Gamma Ltd']//button[text()='Unsuspend']")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-tenant='Gamma Ltd']"), "active"));
                // deleting asks for the name; a customer with a VE is refused with the API's reason, and nothing goes
                browser.findElement(By.cssSelector("[aria-label='Delete Gamma Ltd']")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog-form-confirm"))).sendKeys("Gamma");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#dialog-form .error"), "does not match"));
                browser.findElement(By.id("dialog-form-confirm")).sendKeys(" Ltd");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-tenant='Gamma Ltd']")));
                browser.findElement(By.cssSelector("[aria-label='Delete Beta Hosting']")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dialog-form-confirm"))).sendKeys("Beta Hosting");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#dialog-form .error"), "ve"));
                browser.findElement(By.id("dialog-form-confirm")).sendKeys(Keys.ESCAPE);
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("dialog-form")));
                assertEquals(200, panel.get("/api/v1/tenants/" + beta).status());

                // VEs of every customer, filtered by customer, state and text
                browser.get(base + "/admin/#/ves");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ve-count"), "2 VEs"));
                new Select(browser.findElement(By.id("filter-owner"))).selectByVisibleText("Beta Hosting");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ve-count"), "1 of 2 VEs"));
                assertEquals(List.of("beta-web"), browser.findElements(By.cssSelector("#ves tbody tr")).stream().map(r -> r.getDomAttribute("data-ve")).toList());
                new Select(browser.findElement(By.id("filter-owner"))).selectByVisibleText("all");
                browser.findElement(By.id("filter-text")).sendKeys("dns");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ve-count"), "1 of 2 VEs"));
                assertEquals(List.of("house-dns"), browser.findElements(By.cssSelector("#ves tbody tr")).stream().map(r -> r.getDomAttribute("data-ve")).toList());
                new Select(browser.findElement(By.id("filter-state"))).selectByVisibleText("running");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ve-count"), "0 of 2 VEs"));

                // acting as the customer's account is bannered, and ends back in the admin's own session
                browser.get(base + "/admin/#/customers");
                wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//tr[@data-account='beta']//button[text()='Act as']"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("banner"), "You (admin) are acting as beta"));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
                screenshot(browser, "portal-impersonation");
                browser.findElement(By.id("end-impersonation")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("tenants")));
                assertEquals("admin", browser.findElement(By.id("who")).getText());
                List<String> errors = consoleErrors(browser).stream().filter(e -> !e.contains("/tenants/" + beta + " - ")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console besides the refused deletion: " + errors);
            } finally {
                browser.quit();
            }

            // on a phone: every page fits the width (tables scroll inside their cards) and every field has a label
            WebDriver phone = chromium(390, 844);
            try {
                logIn(phone, base + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(30));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-node]")));
                for (String page : List.of("#/", "#/customers", "#/ves", "#/templates", "#/pools", "#/audit")) {
                    phone.get(base + "/admin/" + page);
                    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main h1")));
                    wait.until(d -> !d.findElement(By.tagName("main")).getText().contains("Loading"));
                    assertFitsAndLabelled(phone, "admin " + page);
                    if (page.equals("#/ves")) {
                        screenshot(phone, "admin-ves-phone");
                    }
                }
                PortalIT.logOut(phone);
                // Beta was made to require 2FA above; its user would be sent to enrolment first
                panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/tenants/" + beta)).header("Content-Type", "application/json")
                        .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"require2fa\":false}")));
                logIn(phone, base + "/portal/", "beta", "Beta-Password-12");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
                for (String page : List.of("#/ves", "#/tasks", "#/account")) {
                    phone.get(base + "/portal/" + page);
                    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main h1")));
                    assertFitsAndLabelled(phone, "portal " + page);
                }
                screenshot(phone, "portal-account-phone");
                assertTrue(consoleErrors(phone).isEmpty(), "no errors in the browser console: " + consoleErrors(phone));
            } finally {
                phone.quit();
            }
        }
    }

    /** Nothing wider than the screen, and every visible form field named by a label or aria-label. */
    static void assertFitsAndLabelled(WebDriver browser, String page) {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        long overflow = ((Number) js.executeScript("return document.documentElement.scrollWidth - window.innerWidth;")).longValue();
        assertTrue(overflow <= 0, page + " is " + overflow + " px wider than the screen");
        Object unlabelled = js.executeScript("return [...document.querySelectorAll('input, select, textarea')]"
                + ".filter(f => f.type !== 'hidden' && f.offsetParent !== null && f.labels.length === 0 && !f.getAttribute('aria-label'))"
                + ".map(f => f.id || f.name);");
        assertEquals(List.of(), unlabelled, page + ": fields without a label");
    }
}
