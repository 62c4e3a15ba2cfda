package io.vessel.distribution;

import static io.vessel.distribution.PortalIT.chromium;
import static io.vessel.distribution.PortalIT.consoleErrors;
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
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A plugin's pages in headless Chromium: installing it makes its admin menu item appear on an open page without a
 * reload, its page and its VE tab work, and removing it takes the menu item away again.
 */
class PluginUiIT {

    @TempDir
    Path work;

    @Test
    void aPluginsPageAndVeTabComeAndGoWithThePlugin() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String base = "http://127.0.0.1:" + panel.port;
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"tab-host\"}");
            WebDriver browser = chromium(1280, 800);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                PortalIT.logIn(browser, base + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("health"), "kernel"));
                wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-live", "true"));
                // billing's own page is there (a bundle of the panel contributes it like a plugin); the sample's is not yet
                assertTrue(browser.findElements(By.cssSelector("[data-plugin-nav^='io.vessel.sample/']")).isEmpty());

                // installed while the page is open: its menu item appears by itself
                panel.installPlugin(HotDeployIT.PLUGIN, "sample");
                long installed = System.nanoTime();
                By menuItem = By.cssSelector("a[data-plugin-nav='io.vessel.sample/greetings']");
                click(wait, menuItem);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("greetings"), "No greetings yet."));
                browser.findElement(By.id("new-greeting-message")).sendKeys("Welcome aboard");
                browser.findElement(By.id("new-greeting-guest")).sendKeys("Ada");
                browser.findElement(By.cssSelector("#new-greeting button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("greetings"), "Welcome aboard (from Ada)"));
                screenshot(browser, "plugin-admin-page");

                // the Plugins page: state, what it adds, disable and enable, its scheduled task
                click(wait, By.id("nav-plugins"));
                By state = By.cssSelector("[data-plugin-state='io.vessel.sample']");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(state, "ACTIVE"));
                assertTrue(browser.findElement(By.cssSelector("[data-plugin='io.vessel.sample']")).getText().contains("hostname-policy (CREATE)"));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-task='sample.greeting-cleanup']")));
                click(wait, By.cssSelector("[aria-label='Disable io.vessel.sample']"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(state, "DISABLED"));
                wait.until(ExpectedConditions.invisibilityOfElementLocated(menuItem));
                click(wait, By.cssSelector("[aria-label='Enable io.vessel.sample']"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(state, "ACTIVE"));
                wait.until(ExpectedConditions.presenceOfElementLocated(menuItem));
                // its settings form, made from the plugin's own description
                click(wait, By.cssSelector("[aria-label='Settings of io.vessel.sample']"));
                org.openqa.selenium.WebElement greeting = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("dialog-form-greeting")));
                greeting.clear();
                greeting.sendKeys("Ahoy");
                browser.findElement(By.id("dialog-form-api.key")).sendKeys("sk-from-the-browser");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("toast"), "saved"));
                PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/settings").body().contains("Ahoy"), "the plugin got the setting");
                assertTrue(panel.get("/api/v1/sample/settings").json().get("apiKeySet").asBoolean());
                // the provider's time limit for its hooks
                click(wait, By.cssSelector("[aria-label='Hook time limit of io.vessel.sample']"));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("dialog-form-milliseconds"))).sendKeys("750");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-plugin='io.vessel.sample']"), "time limit set to 750 ms"));
                assertEquals(750, panel.get("/api/v1/plugins/io.vessel.sample").json().get("hookTimeLimitMs").asInt());
                click(wait, By.cssSelector("[aria-label='Run sample.greeting-cleanup now']"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-task='sample.greeting-cleanup']"), "SUCCEEDED"));
                screenshot(browser, "plugins-page");

                // its tab on the VE's page in the portal
                browser.get(base + "/portal/#/ves/" + ve);
                click(wait, By.cssSelector("[data-plugin-tab='io.vessel.sample/ve-greeting']"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ve-greeting"), "Hello from the sample plugin, tab-host!"));
                screenshot(browser, "plugin-ve-tab");
                // the tab stays open while nothing changes: past the moment (30 s after a contribution came) when one
                // whose API never came is shown anyway, which was announced to open pages even when nothing was
                // waiting for it, and every announcement drew the VE's page again, closing the open tab
                Thread.sleep(Math.max(0, 31_000 - Duration.ofNanos(System.nanoTime() - installed).toMillis()));
                assertTrue(browser.findElement(By.id("ve-greeting")).getText().contains("Hello from the sample plugin"),
                        "the plugin's tab is still open");

                List<String> beforeRemoval = consoleErrors(browser).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(beforeRemoval.isEmpty(), "no errors in the browser console: " + beforeRemoval);

                // removed while its page is open: the menu item goes, the page says so, still without a reload
                // (a request of the page that races the removal may see its API gone: a 404, which the page shows)
                browser.get(base + "/admin/#/plugin/io.vessel.sample/greetings");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("greetings"), "Welcome aboard"));
                wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-live", "true"));
                ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
                assertEquals(204, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/io.vessel.sample")).DELETE()).status());
                wait.until(ExpectedConditions.invisibilityOfElementLocated(menuItem));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("plugin-gone")));
                assertEquals(Boolean.TRUE, ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"));
                screenshot(browser, "plugin-removed");
                List<String> errors = consoleErrors(browser).stream().filter(e -> !e.contains("favicon"))
                        .filter(e -> !(e.contains("/api/v1/sample/") && e.contains("404"))).toList();
                assertTrue(errors.isEmpty(), "no script errors in the browser console: " + errors);
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    void theCatalogueInstallsAPluginWithTheLibraryItNeedsFromTheBrowser() throws Exception {
        try (PanelProcess panel = PluginCatalogueIT.withCatalogue(work, PluginCatalogueIT.CATALOGUE)) {
            WebDriver browser = chromium(1280, 900);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                PortalIT.logIn(browser, "http://127.0.0.1:" + panel.port + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-live", "true"));
                click(wait, By.id("nav-plugins"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("catalogue"), "Vessel sample plugins"));
                assertTrue(browser.findElement(By.cssSelector("[data-catalogue-item='io.vessel.samples.banner']")).getText().contains("library"));
                assertTrue(browser.findElements(By.cssSelector("[data-catalogue-item='io.vessel.samples.banner'] button")).isEmpty(),
                        "a library is installed with the plugin that needs it, not by itself");
                click(wait, By.cssSelector("[data-catalogue-item='io.vessel.banner'] button"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-plugin-state='io.vessel.banner']"), "ACTIVE"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-library='io.vessel.samples.banner']"),
                        "library, used by io.vessel.banner"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-catalogue-item='io.vessel.banner']"), "installed"));
                screenshot(browser, "plugin-catalogue");

                click(wait, By.cssSelector("[aria-label='Remove io.vessel.banner']"));
                click(wait, By.cssSelector("#dialog-form button[type=submit]"));
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-plugin='io.vessel.samples.banner']")));
                wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-plugin='io.vessel.banner']")));
                List<String> errors = consoleErrors(browser).stream().filter(e -> !e.contains("favicon")).toList();
                assertTrue(errors.isEmpty(), "no errors in the browser console: " + errors);
            } finally {
                browser.quit();
            }
        }
    }

    /** Clicks once the element is there; the menu is drawn again as plugin events arrive, so a stale one is looked up again. */
    private static void click(WebDriverWait wait, By locator) {
        wait.until(driver -> {
            try {
                driver.findElement(locator).click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException
                     | org.openqa.selenium.ElementNotInteractableException e) {
                return false;
            }
        });
    }
}
