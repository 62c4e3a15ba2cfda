package io.vessel.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/vessel}: starts the panel in the foreground.
 *
 * <p>Exit codes: 0 after a normal shutdown, 1 when a bundle cannot resolve or start, 2 for a configuration
 * error, 3 when a component reports that it cannot start (for example the database is unreachable), 4 when the
 * panel did not become ready in time.
 */
public final class Main {

    static final int EXIT_BUNDLES = 1;
    static final int EXIT_CONFIG = 2;
    static final int EXIT_STARTUP = 3;
    static final int EXIT_TIMEOUT = 4;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;

    Main(PrintStream out, PrintStream err, Map<String, String> environment) {
        this.out = out;
        this.err = err;
        this.environment = environment;
    }

    static final int EXIT_INTERNAL = 70;

    public static void main(String[] args) {
        int code;
        try {
            code = new Main(System.out, System.err, System.getenv()).run();
        } catch (Throwable t) {
            // Framework threads are not daemons: without an explicit exit the JVM would hang here.
            System.err.println("vessel: internal error while starting: " + t);
            t.printStackTrace();
            code = EXIT_INTERNAL;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    int run() {
        long started = System.nanoTime();
        Path home = Path.of(System.getProperty("vessel.home", ".")).toAbsolutePath().normalize();
        Path confFile = environment.containsKey("VESSEL_CONF") ? Path.of(environment.get("VESSEL_CONF"))
                : home.resolve("conf").resolve("vessel.conf");
        Settings settings;
        String nodeId;
        boolean freshData;
        try {
            settings = Settings.load(home, confFile, environment);
            for (Path dir : List.of(settings.dataDir(), settings.pluginsDir(), settings.logDir())) {
                createDirectory(dir);
            }
            freshData = NodeIdentity.isNew(settings.dataDir());
            nodeId = NodeIdentity.ensure(settings.dataDir());
            if (!settings.nodeAgent()) {
                checkPortFree(settings, settings.httpPort(), "http.port or VESSEL_HTTP_PORT");
            }
            if (settings.httpsPort() > 0 && !settings.nodeAgent()) {
                checkPortFree(settings, settings.httpsPort(), "https.port or VESSEL_HTTPS_PORT (0: no HTTPS)");
            }
        } catch (ConfigException e) {
            err.println("vessel: configuration error: " + e.getMessage());
            return EXIT_CONFIG;
        }
        Logging.configure(settings.logDir(), settings.logLevel());
        Logger log = LoggerFactory.getLogger(Main.class);
        String version = version();
        log.info("Starting Vessel version={} role={} home={} data={} port={}", version, settings.role(), home, settings.dataDir(),
                settings.nodeAgent() ? "-" : settings.httpPort());

        SelfSignedCertificate selfSigned;
        try {
            selfSigned = settings.httpsPort() > 0 && settings.httpsCertificate().isEmpty() && !settings.nodeAgent()
                    ? SelfSignedCertificate.ensure(settings.dataDir()) : null;
        } catch (IOException e) {
            err.println("vessel: cannot make the self-signed TLS certificate under " + settings.dataDir() + ": " + e.getMessage());
            return EXIT_CONFIG;
        }
        PanelFramework framework = new PanelFramework(home, settings, version, nodeId, freshData);
        PanelFramework.Outcome outcome = framework.start(startTimeoutSeconds());
        switch (outcome.kind()) {
            case READY -> {
                if (settings.nodeAgent()) {
                    return runAgent(framework, log, version, nodeId, outcome.message(), started);
                }
                waitForHttp(settings.httpPort());
                long ms = (System.nanoTime() - started) / 1_000_000;
                log.info("Vessel ready url={} tookMs={} cpuMs={} slowestBundleStartsMs={}", url(settings), ms, processCpuMillis(),
                        framework.slowestStarts(12));
                out.println();
                String tls = tlsLine(settings, selfSigned);
                out.println("Vessel " + version + " is running at " + (settings.httpsPort() > 0 ? httpsUrl(settings) + " (plain " + url(settings)
                        + (settings.loopbackPlain() ? " on this machine)" : " redirects there)") : url(settings)));
                if (tls != null) {
                    out.println("  TLS:     " + tls);
                }
                out.println("  health:  " + url(settings) + "api/v1/health");
                out.println("  API:     " + url(settings) + "api/v1/openapi.json");
                out.println("  data:    " + settings.dataDir());
                out.println("  log:     " + settings.logDir().resolve("vessel.log"));
                out.println("  plugins: " + settings.pluginsDir() + " (drop bundle jars here)");
                out.println("  login:   admin, with VESSEL_ADMIN_PASSWORD or the password printed above at the first start");
                out.println("Stop with Ctrl-C.");
                out.flush();
                if (framework.notifyServiceManager("READY=1\nSTATUS=Ready at " + url(settings))) {
                    log.info("Service manager told: ready");
                }
                ServiceWatchdog.start(environment, framework, settings.httpPort());
                return runUntilStopped(framework, log);
            }
            case BUNDLE_FAILURE -> {
                err.println("vessel: " + outcome.message());
                log.error("Start failed: {}", outcome.message());
                framework.stop();
                return EXIT_BUNDLES;
            }
            case COMPONENT_FAILURE -> {
                err.println("vessel: cannot start: " + outcome.message());
                log.error("Start failed: {}", outcome.message());
                framework.stop();
                return EXIT_STARTUP;
            }
            default -> {
                err.println("vessel: " + outcome.message());
                log.error("Start failed: {}", outcome.message());
                framework.stop();
                return EXIT_TIMEOUT;
            }
        }
    }

    /** A node agent: no URL to print, only which node it is and where its channel listens for the panels. */
    private int runAgent(PanelFramework framework, Logger log, String version, String nodeId, String channelUrl, long started) {
        long ms = (System.nanoTime() - started) / 1_000_000;
        log.info("Vessel node agent ready node={} channel={} tookMs={} cpuMs={}", nodeId, channelUrl, ms, processCpuMillis());
        out.println();
        out.println("Vessel " + version + " node agent is running: node " + nodeId);
        out.println("  channel: " + channelUrl + " (panels and other nodes only, mutually authenticated TLS)");
        out.println("  manage its VEs through a panel of the installation; this server serves no customers");
        out.println("  data:    " + framework.dataDir());
        out.println("  log:     " + framework.logFile());
        out.println("Stop with Ctrl-C.");
        out.flush();
        if (framework.notifyServiceManager("READY=1\nSTATUS=Node agent " + nodeId + " ready")) {
            log.info("Service manager told: ready");
        }
        ServiceWatchdog.startForAgent(environment, framework, URI.create(channelUrl));
        return runUntilStopped(framework, log);
    }

    /**
     * Runs until the framework stops. SIGTERM/SIGINT stop every bundle (connections closed, database flushed), then
     * exit 0 as init systems expect from a clean stop instead of the JVM's 143.
     */
    private static int runUntilStopped(PanelFramework framework, Logger log) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            framework.notifyServiceManager("STOPPING=1");
            log.info("Stopping Vessel (signal)");
            framework.stop();
            log.info("Vessel stopped");
            Logging.shutdown();
            Runtime.getRuntime().halt(0);
        }, "vessel-shutdown"));
        framework.awaitStop();
        return 0;
    }

    private static long processCpuMillis() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1_000_000 : -1;
    }

    private int startTimeoutSeconds() {
        try {
            return Integer.parseInt(environment.getOrDefault("VESSEL_START_TIMEOUT", "120"));
        } catch (NumberFormatException e) {
            return 120;
        }
    }

    private static String httpsUrl(Settings settings) {
        return "https://localhost:" + settings.httpsPort() + "/";
    }

    /** Which certificate is served and its fingerprint, to compare with what the browser shows. */
    private static String tlsLine(Settings settings, SelfSignedCertificate selfSigned) {
        if (settings.httpsPort() <= 0) {
            return null;
        }
        try {
            if (selfSigned != null) {
                return "self-signed certificate, SHA-256 fingerprint " + selfSigned.await()
                        + " (set https.certificate and https.key for your own)";
            }
            try (java.io.InputStream in = Files.newInputStream(settings.httpsCertificate().orElseThrow())) {
                java.security.cert.Certificate first = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
                return settings.httpsCertificate().get() + ", SHA-256 fingerprint " + SelfSignedCertificate.fingerprint(first);
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            return "certificate unreadable: " + e.getMessage();
        }
    }

    private static String url(Settings settings) {
        return "http://localhost:" + settings.httpPort() + "/";
    }

    /** The whiteboard may register the servlet a moment before Jetty accepts connections; print the URL only then. */
    private static void waitForHttp(int port) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/api/v1/health").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(5000);
                c.getResponseCode();
                c.disconnect();
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Jetty would log a bind failure and carry on without a connector; refuse to start instead. */
    private static void checkPortFree(Settings settings, int port, String option) throws ConfigException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(settings.httpHost(), port));
        } catch (IOException e) {
            throw new ConfigException("cannot listen on " + settings.httpHost() + ":" + port + " ("
                    + e.getMessage() + "); is another panel running? Choose another port with " + option);
        }
    }

    private static void createDirectory(Path dir) throws ConfigException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException("cannot create directory " + dir + ": " + e.getMessage());
        }
        if (!Files.isWritable(dir)) {
            throw new ConfigException("directory " + dir + " is not writable");
        }
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
