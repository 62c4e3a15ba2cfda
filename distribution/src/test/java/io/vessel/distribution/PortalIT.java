package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The customer portal in a real headless Chromium (Debian's chromium and chromium-driver). */
class PortalIT {

    private static final String PASSWORD = "Portal-Password-1";
    static final Path SCREENSHOTS = Path.of("target/screenshots");

    /**
     * One panel for the class: every test has a customer and accounts of its own, and a panel's start is most of a
     * test's CPU (the suite is bound by CPU).
     */
    @TempDir
    static Path work;
    private static PanelProcess panel;

    @BeforeAll
    static void startPanel() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        panel = new PanelProcess(work, Map.of()).start();
    }

    @AfterAll
    static void stopPanel() throws Exception {
        if (panel != null) {
            panel.close();
        }
    }

    @Test
    void aCustomerSeesOnlyTheirVeStartsItUsesTheConsoleAndWatchesTheStateLive() throws Exception {
        String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer A\",\"kind\":\"CUSTOMER\"}"));
        String b = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer B\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(a, "alice", "customer-owner", PASSWORD);
        panel.createAccount(b, "bob", "customer-owner", PASSWORD);
        int veA = ve(panel, a, "alice-web");
        int veB = ve(panel, b, "bob-db");

        PanelProcess.Response page = panel.anonymous(HttpRequest.newBuilder(panel.uri("/portal/")).GET());
        assertEquals(200, page.status());
        String csp = page.header("Content-Security-Policy");
        assertTrue(csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"), csp);
        assertEquals("no-referrer", page.header("Referrer-Policy"));

        WebDriver browser = chromium(1280, 800);
        try {
            String base = "http://127.0.0.1:" + panel.port + "/portal/";
            logIn(browser, base, "alice");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
            List<WebElement> rows = browser.findElements(By.cssSelector("#ve-list tbody tr"));
            assertEquals(1, rows.size(), "alice sees her VE only");
            assertTrue(rows.get(0).getText().contains("alice-web"));
            screenshot(browser, "portal-ve-list");

            rows.get(0).findElement(By.tagName("a")).click();
            By badge = By.cssSelector("h1 [data-ve-state='" + veA + "']");
            wait.until(ExpectedConditions.textToBe(badge, "STOPPED"));
            browser.findElement(By.cssSelector("[data-action='start']")).click();
            wait.until(ExpectedConditions.textToBe(badge, "RUNNING")); // pushed by the event stream, no reload
            browser.findElement(By.id("open-console")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#console .xterm-helper-textarea")));
            wait.until(d -> !d.findElement(By.cssSelector("#console .xterm-rows")).getText().isBlank()); // the shell's prompt
            // typed into the terminal; the answer proves it ran inside alice's VE (its hostname)
            browser.findElement(By.cssSelector("#console .xterm-helper-textarea")).sendKeys("echo $((6*7))-$(hostname)\n");
            wait.until(d -> d.findElement(By.cssSelector("#console .xterm-rows")).getText().contains("42-alice-web"));
            screenshot(browser, "portal-ve-console");

            // settings on the VE page: hostname, a new root password shown once (while it runs), then stop it, and
            // reinstall only with the typed name
            assertTrue(browser.findElements(By.cssSelector("#ve-graphs figure")).size() >= 5, "usage graphs");
            WebElement hostname = browser.findElement(By.id("hostname-hostname"));
            hostname.clear();
            hostname.sendKeys("alice-www");
            browser.findElement(By.cssSelector("#hostname button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBe(By.id("ve-hostname"), "alice-www"));
            browser.findElement(By.id("reset-root-password")).click();
            assertEquals(20, wait.until(ExpectedConditions.presenceOfElementLocated(By.id("root-password"))).getText().length());
            // an SSH key for root, written into the running VE at once
            String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC+A1NgpCa7LFj7Cqq0m73aihkoGVOem4StiNhbdoja2 alice@laptop";
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("add-key-publicKey"))).sendKeys(key);
            browser.findElement(By.cssSelector("#add-key button[type=submit]")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-key='SHA256:SdnRtuqyfoot08+jH/+F2A03VFKuuzDKZ0m7exQjqmk']")));
            String keys = panel.post("/api/v1/ves/" + veA + "/exec", "{\"command\":[\"cat\",\"/root/.ssh/authorized_keys\"]}").json()
                    .get("stdout").asText();
            assertTrue(keys.contains(key), keys);
            browser.findElement(By.id("add-key-publicKey")).sendKeys("not a key");
            browser.findElement(By.cssSelector("#add-key button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#add-key .error"), "must start with"));
            browser.findElement(By.cssSelector("[data-action='stop']")).click();
            wait.until(ExpectedConditions.textToBe(badge, "STOPPED"));
            browser.findElement(By.id("reinstall-confirm")).sendKeys("not-the-name");
            browser.findElement(By.cssSelector("#reinstall button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#reinstall .error"), "exactly to confirm"));
            screenshot(browser, "portal-ve-settings");
            // the refused key is a 400 the browser reports; nothing else may be there
            List<String> errors = consoleErrors(browser).stream().filter(e -> !e.contains("/ssh-keys - ")).toList();
            assertTrue(errors.isEmpty(), "no errors in the browser console besides the refused key: " + errors);
        } finally {
            browser.quit();
        }

        // bob, on a phone-sized screen: his VE only, and alice's is not found, also by typing its address
        WebDriver phone = chromium(390, 844);
        try {
            String base = "http://127.0.0.1:" + panel.port + "/portal/";
            logIn(phone, base, "bob");
            WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(20));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
            String list = phone.findElement(By.id("ve-list")).getText();
            assertTrue(list.contains("bob-db") && !list.contains("alice-web"), list);
            screenshot(phone, "portal-ve-list-phone");
            phone.get(base + "#/ves/" + veA);
            wait.until(ExpectedConditions.textToBe(By.tagName("h1"), "Not found"));
            assertFalse(phone.getPageSource().contains("alice-web"));
            phone.get(base + "#/ves/" + veB);
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("h1 [data-ve-state='" + veB + "']")));
        } finally {
            phone.quit();
        }
    }

    @Test
    void twoFactorIsSetUpInThePageAndThenAskedForAtLogin() throws Exception {
        String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Carol Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(a, "carol", "customer-owner", PASSWORD);
        WebDriver browser = chromium(1280, 800);
        try {
            String base = "http://127.0.0.1:" + panel.port + "/portal/";
            logIn(browser, base, "carol");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
            browser.get(base + "#/account");
            wait.until(ExpectedConditions.elementToBeClickable(By.id("enrol-2fa"))).click();
            String secret = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("totp-secret"))).getText();
            assertTrue(browser.findElement(By.id("totp-qr")).getAttribute("src").startsWith("data:image/gif;base64,"));
            screenshot(browser, "portal-2fa-enrolment");
            browser.findElement(By.id("confirm-2fa-totp")).sendKeys(TenancyIT.totp(secret, java.time.Instant.now()));
            browser.findElement(By.cssSelector("#confirm-2fa button[type=submit]")).click();
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#recovery-codes li"), 10));
            logOut(browser);

            // the next login asks for a code; a wrong one is refused with a sentence, the right one lets carol in
            logIn(browser, base, "carol");
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("totp"))).sendKeys("000000".equals(
                    TenancyIT.totp(secret, java.time.Instant.now())) ? "111111" : "000000");
            browser.findElement(By.id("login")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "wrong"));
            screenshot(browser, "portal-2fa-login-refused");
            // a fresh code (the one that switched 2FA on is spent), from a phone whose clock runs one step ahead:
            // the panel takes one step either side, so nobody waits up to 30 s for the next one
            WebElement code = browser.findElement(By.id("totp"));
            code.clear();
            code.sendKeys(TenancyIT.totp(secret, java.time.Instant.now().plusSeconds(30)));
            browser.findElement(By.id("login")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
            assertEquals("carol", browser.findElement(By.id("who")).getText());
            List<String> errors = consoleErrors(browser).stream().filter(e -> !e.contains("/api/v1/auth/login")).toList();
            assertTrue(errors.isEmpty(), "no errors in the browser console besides the refused login: " + errors);
        } finally {
            browser.quit();
        }
    }

    @Test
    void aCustomerChoosesEmailNotificationsAndManagesWebhooksOnTheAccountPage() throws Exception {
        String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Nora Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(a, "nora", "customer-owner", PASSWORD);
        WebDriver browser = chromium(1280, 800);
        try {
            String base = "http://127.0.0.1:" + panel.port + "/portal/";
            logIn(browser, base, "nora");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
            browser.get(base + "#/account");
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#notifications input[name='ve.running']"))).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("toast"), "mailed to you"));
            PanelProcess.As nora = panel.login("nora", PASSWORD);
            assertTrue(nora.get("/api/v1/me/notifications").json().get("choices").get("ve.running").asBoolean());

            browser.findElement(By.id("new-webhook-url")).sendKeys("https://93.184.215.14/hooks/vessel");
            browser.findElement(By.cssSelector("#new-webhook button[type=submit]")).click();
            assertTrue(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("webhook-secret"))).getText().startsWith("whsec_"));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-webhook='https://93.184.215.14/hooks/vessel']")));
            browser.findElement(By.id("new-webhook-url")).sendKeys("https://10.0.0.5/internal");
            browser.findElement(By.cssSelector("#new-webhook button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#new-webhook .error"), "not a public address"));
            screenshot(browser, "portal-notifications");
            List<String> errors = consoleErrors(browser).stream().filter(e -> !e.contains("/api/v1/webhooks")).toList();
            assertTrue(errors.isEmpty(), "no errors in the browser console besides the refused webhook: " + errors);
        } finally {
            browser.quit();
        }
    }

    @Test
    void theMainPathWorksWithTheKeyboardAlone() throws Exception {
        String a = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Kim Ltd\",\"kind\":\"CUSTOMER\"}"));
        panel.createAccount(a, "kim", "customer-owner", PASSWORD);
        int ve = ve(panel, a, "kim-web");
        WebDriver browser = chromium(1280, 800);
        try {
            browser.get("http://127.0.0.1:" + panel.port + "/portal/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("username")));
            // the login form takes the focus; Tab moves between its labelled fields, Enter submits
            browser.switchTo().activeElement().sendKeys("kim");
            browser.switchTo().activeElement().sendKeys(Keys.TAB);
            browser.switchTo().activeElement().sendKeys(PASSWORD + Keys.ENTER);
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("ve-list")));
            tabTo(browser, "a[href='#/ves/" + ve + "']").sendKeys(Keys.ENTER);
            By badge = By.cssSelector("h1 [data-ve-state='" + ve + "']");
            wait.until(ExpectedConditions.textToBe(badge, "STOPPED"));
            tabTo(browser, "[data-action='start']").sendKeys(Keys.ENTER);
            wait.until(ExpectedConditions.textToBe(badge, "RUNNING"));
            tabTo(browser, "#logout").sendKeys(Keys.ENTER);
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("username")));
        } finally {
            browser.quit();
        }
    }

    /** Presses Tab until {@code css} has the focus (what a keyboard user does), and returns it. */
    private static WebElement tabTo(WebDriver browser, String css) {
        WebElement target = browser.findElement(By.cssSelector(css));
        for (int i = 0; i < 40; i++) {
            if (browser.switchTo().activeElement().equals(target)) {
                return target;
            }
            browser.switchTo().activeElement().sendKeys(Keys.TAB);
        }
        throw new AssertionError(css + " cannot be reached with Tab");
    }

    static WebDriver chromium(int width, int height) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(width, height));
        return driver;
    }

    static void logIn(WebDriver browser, String base, String user) {
        logIn(browser, base, user, PASSWORD);
    }

    static void logIn(WebDriver browser, String base, String user, String password) {
        browser.get(base);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("username"))).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("login")).click();
    }

    /**
     * Logs out and waits for the login form: a page loaded while the logout is still under way asks for the session
     * that is about to end and meets a 401 (seen in a suite run as an error in the browser console).
     */
    static void logOut(WebDriver browser) {
        browser.findElement(By.id("logout")).click();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
    }

    /**
     * The browser's errors, but for requests that Chromium itself cancelled because the host's addresses changed
     * ({@code net::ERR_NETWORK_CHANGED}): the browser runs on the panel's host, where test classes running beside this
     * one add and remove VE interfaces all the time. The pages ask a failed read again and the event stream reconnects,
     * so what a user would notice is what the tests assert on the page itself.
     */
    static List<String> consoleErrors(WebDriver browser) {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()).map(LogEntry::getMessage)
                .filter(message -> !message.contains("net::ERR_NETWORK_CHANGED")).toList();
    }

    static void screenshot(WebDriver browser, String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }



    private static int ve(PanelProcess panel, String owner, String hostname) {
        JsonNode done = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves",
                "{\"template\":\"busybox\",\"hostname\":\"" + hostname + "\",\"name\":\"" + hostname + "\",\"owner\":\"" + owner + "\"}"));
        return Integer.parseInt(done.get("result").asText().replace("/api/v1/ves/", ""));
    }
}
