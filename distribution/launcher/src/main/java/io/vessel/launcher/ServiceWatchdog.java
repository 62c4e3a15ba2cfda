package io.vessel.launcher;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's watchdog ({@code WatchdogSec=} in vessel.service): while the panel's own HTTP server still answers its
 * health endpoint on the loopback address (any status: a database outage is reported there, not cured by a restart),
 * {@code WATCHDOG=1} is sent every half of {@code WATCHDOG_USEC}. A hung JVM or a wedged Jetty stops the pings, and
 * systemd restarts the service — which leaves the VEs running.
 */
final class ServiceWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceWatchdog.class);

    private ServiceWatchdog() {
    }

    static void start(Map<String, String> environment, PanelFramework framework, int httpPort) {
        long micros = parse(environment.get("WATCHDOG_USEC"));
        String forPid = environment.get("WATCHDOG_PID");
        if (micros <= 0 || forPid != null && !forPid.equals(String.valueOf(ProcessHandle.current().pid()))) {
            return;
        }
        long periodMillis = Math.max(500, micros / 2000);
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-watchdog");
            t.setDaemon(true);
            return t;
        });
        URI health = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/health");
        int timeout = (int) Math.min(periodMillis, 5000);
        pinger.scheduleWithFixedDelay(() -> {
            if (answers(health, timeout)) {
                framework.notifyServiceManager("WATCHDOG=1");
            } else {
                LOG.warn("Watchdog not fed: the panel's health endpoint did not answer url={}", health);
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
        LOG.info("Service watchdog periodMs={}", periodMillis);
    }

    private static boolean answers(URI health, int timeoutMillis) {
        try {
            HttpURLConnection c = (HttpURLConnection) health.toURL().openConnection();
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            int status = c.getResponseCode();
            c.disconnect();
            return status > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static long parse(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
