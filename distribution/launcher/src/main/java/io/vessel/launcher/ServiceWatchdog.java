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
        URI health = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/health");
        start(environment, framework, "the panel's health endpoint " + health, timeout -> answers(health, timeout));
    }

    /**
     * A node agent has no HTTP server: it is alive while its node channel still takes a TLS handshake (answered either
     * way: without a client certificate the channel refuses this caller, which proves it is there). A hung JVM or a
     * dead channel stops the pings.
     */
    static void startForAgent(Map<String, String> environment, PanelFramework framework, URI channel) {
        start(environment, framework, "the node channel " + channel, timeout -> handshakes(channel, timeout));
    }

    private static void start(Map<String, String> environment, PanelFramework framework, String what,
                              java.util.function.IntPredicate alive) {
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
        int timeout = (int) Math.min(periodMillis, 5000);
        pinger.scheduleWithFixedDelay(() -> {
            if (alive.test(timeout)) {
                framework.notifyServiceManager("WATCHDOG=1");
            } else {
                LOG.warn("Watchdog not fed: {} did not answer", what);
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
        LOG.info("Service watchdog periodMs={} watching=\"{}\"", periodMillis, what);
    }

    /** Whether a TLS server at {@code url} answers a handshake within the timeout (an alert is an answer too). */
    static boolean handshakes(URI url, int timeoutMillis) {
        try {
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            // only liveness is asked, nothing is sent: whose certificate it is does not matter here
            tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            try (java.net.Socket plain = new java.net.Socket()) {
                plain.connect(new java.net.InetSocketAddress(url.getHost(), url.getPort()), timeoutMillis);
                plain.setSoTimeout(timeoutMillis);
                try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, url.getHost(),
                        url.getPort(), false)) {
                    socket.startHandshake();
                    return true;
                } catch (javax.net.ssl.SSLException refused) {
                    return true; // the channel answered, refusing a caller without a certificate
                }
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            return false;
        }
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
