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
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The provider's admin panel in headless Chromium: a customer, its account and its VE, made by clicking. */
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

                // the audit log shows what was just done, by whom
                browser.get(base + "/admin/#/audit");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "POST ves"));
                assertTrue(browser.findElement(By.id("audit")).getText().contains("POST tenants"));
                browser.findElement(By.id("logout")).click();

                // the customer logs in to the portal and finds the VE made for it
                logIn(browser, base + "/portal/", "acme", "Acme-Password-12");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
                assertEquals(1, browser.findElements(By.cssSelector("#ve-list tbody tr")).size());
                assertTrue(browser.findElement(By.id("ve-list")).getText().contains("acme-web"));
            } finally {
                browser.quit();
            }
        }
    }
}
