package io.vessel.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Felix framework with the distribution's bundles, configured from {@link Settings}. */
final class PanelFramework {

    enum Kind { READY, BUNDLE_FAILURE, COMPONENT_FAILURE, TIMEOUT }

    record Outcome(Kind kind, String message) {
    }

    /** Looked up by name only: the launcher does not share classes with the bundles beyond logging and ConfigAdmin. */
    private static final String PANEL_READY = "io.vessel.api.platform.PanelReady";
    private static final String NODE_AGENT_READY = "io.vessel.api.platform.NodeAgentReady";
    private static final String STARTUP_FAILURE = "io.vessel.api.platform.StartupFailure";
    private static final String FAILURE_COMPONENT = "vessel.startup.component";
    private static final String FAILURE_MESSAGE = "vessel.startup.message";
    private static final String CONFIG_ADMIN_BUNDLE = "org.apache.felix.configadmin";

    private static final Logger LOG = LoggerFactory.getLogger(PanelFramework.class);

    private final Path home;
    private final Settings settings;
    private final String nodeId;
    private final boolean freshData;
    private final String version;
    private Framework framework;
    /** How long each bundle's start() took on the starting thread, in start order (work it hands to threads not counted). */
    private final Map<String, Long> startMillis = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());

    PanelFramework(Path home, Settings settings, String version, String nodeId, boolean freshData) {
        this.home = home;
        this.freshData = freshData;
        this.settings = settings;
        this.version = version;
        this.nodeId = nodeId;
    }

    Outcome start(int timeoutSeconds) {
        try {
            framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                    .newFramework(frameworkProperties());
            framework.init();
            BundleContext context = framework.getBundleContext();
            context.addFrameworkListener(event -> {
                if (event.getType() == FrameworkEvent.ERROR) {
                    LOG.error("OSGi error in bundle={}", event.getBundle().getSymbolicName(), event.getThrowable());
                }
            });
            CompletableFuture<Outcome> verdict = watchForVerdict(context);
            List<Bundle> bundles = install(context);
            LOG.debug("Installed bundles count={}", bundles.size());
            framework.start();
            String failure = startAll(context, bundles);
            if (failure != null) {
                return new Outcome(Kind.BUNDLE_FAILURE, failure);
            }
            return verdict.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return new Outcome(Kind.TIMEOUT, "the panel did not become ready within " + timeoutSeconds
                    + " s; bundles not active: " + inactiveBundles() + "; see " + settings.logDir().resolve("vessel.log"));
        } catch (BundleException | IOException | RuntimeException | ExecutionException | InvalidSyntaxException e) {
            LOG.error("Framework start failed", e);
            return new Outcome(Kind.BUNDLE_FAILURE, "cannot start the OSGi framework: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Kind.TIMEOUT, "interrupted while starting");
        }
    }

    private Map<String, String> frameworkProperties() {
        Map<String, String> p = new HashMap<>();
        Path cache = settings.dataDir().resolve("osgi-cache");
        p.put(Constants.FRAMEWORK_STORAGE, cache.toString());
        // Bundles come from bundle/ at every start, so an upgraded distribution never runs stale cached jars.
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        String slf4j = "2.0.16";
        p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",",
                "org.slf4j;version=" + slf4j, "org.slf4j.spi;version=" + slf4j, "org.slf4j.event;version=" + slf4j,
                "org.slf4j.helpers;version=" + slf4j, "org.osgi.service.cm;version=1.6.1", "org.osgi.service.log;version=1.5.0"));
        p.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*,com.sun.*,jdk.internal.*");
        p.put("felix.log.level", "1");
        p.put("org.osgi.service.http.port", String.valueOf(settings.httpPort()));
        // HTTPS is Vessel's own connector (bundles/https), so certificates can be reloaded without restarting Jetty
        p.put("vessel.https.port", String.valueOf(settings.httpsPort()));
        p.put("vessel.https.host", settings.httpHost());
        p.put("vessel.http.loopback.plain", String.valueOf(settings.loopbackPlain()));
        settings.httpsCertificate().ifPresent(c -> p.put("vessel.https.certificate", c.toString()));
        settings.httpsKey().ifPresent(k -> p.put("vessel.https.key", k.toString()));
        p.put("vessel.https.selfsigned.certificate", SelfSignedCertificate.certificate(settings.dataDir()).toString());
        p.put("vessel.https.selfsigned.key", SelfSignedCertificate.key(settings.dataDir()).toString());
        p.put("org.apache.felix.http.host", settings.httpHost());
        p.put("org.apache.felix.http.jetty.sendServerHeader", "false");
        p.put("org.apache.felix.http.name", "vessel");
        p.put("org.apache.felix.jetty.websocket.enable", "true"); // the VE console in the browser
        // the web UIs go out compressed (xterm.js alone is 290 kB); the API does not: secrets in JSON and event streams
        p.put("org.apache.felix.jetty.gziphandler.enable", "true");
        p.put("org.apache.felix.jetty.gzip.includedPaths", "/portal/*,/admin/*");
        // Encoded slashes or dots in a path segment are data to the API (an id), not a path: Jetty must not refuse them with
        // its own HTML page before the API can answer with a problem document. (Jetty's narrower modes still refuse
        // %2F; the web UI's static files will need their own normalisation check when they arrive.)
        p.put("org.eclipse.jetty.UriComplianceMode", "LEGACY");
        // configuration lives in memory: vessel.conf is applied at every start, and what is set through the API (plugins'
        // settings, secrets encrypted) is kept by its owners in the database, so nothing is written out as plain text
        p.put("felix.cm.pm", "memory");
        p.put("felix.fileinstall.dir", settings.pluginsDir().toString());
        p.put("felix.fileinstall.filter", ".*\\.jar");
        p.put("felix.fileinstall.poll", "250"); // a new jar is taken once it stayed the same for a poll: about half a second
        p.put("felix.fileinstall.noInitialDelay", "true");
        // the plugin platform (bundles/plugins) starts what File Install installs, so that it knows why a plugin cannot start
        p.put("felix.fileinstall.bundles.new.start", "false");
        p.put("felix.fileinstall.log.default", "jul");
        p.put("felix.fileinstall.enableConfigSave", "false");
        p.put("ds.loglevel", "warn");
        p.put("vessel.home", home.toString());
        p.put("vessel.data.dir", settings.dataDir().toString());
        p.put("vessel.node.id", nodeId); // see NodeIdentity
        // a first start: the identity bundle hashes the first admin's password while the database opens (FirstAdminCredential)
        p.put("vessel.data.fresh", String.valueOf(freshData));
        p.put("vessel.plugins.dir", settings.pluginsDir().toString());
        p.put("vessel.version", version);
        p.put("vessel.role", settings.role());
        if (settings.nodeAgent()) {
            p.put("vessel.started.only", String.join(",", new java.util.TreeSet<>(AGENT_BUNDLES)));
        }
        String templateOut = System.getenv(TEMPLATE_OUT_ENV);
        if (templateOut != null && !templateOut.isBlank()) {
            p.put("vessel.database.template.out", templateOut);
        } else if (settings.embeddedDatabase() && !Files.exists(settings.dataDir().resolve("db"))) {
            // a first start (no data/db yet, where the embedded database lives: the persistence bundle's
            // ConnectionSettings.embeddedFile): the distribution's empty database, if it fits these bundles
            Optional<Path> template = EmptyDatabaseTemplate.usable(home);
            template.ifPresent(t -> p.put("vessel.database.template", t.toString()));
            if (template.isEmpty() && Files.exists(EmptyDatabaseTemplate.file(home))) {
                LOG.info("The distribution's empty database does not fit these bundles (made with other migration scripts): "
                        + "the migrations make a new one file={}", EmptyDatabaseTemplate.file(home));
            }
        }
        return p;
    }

    /** Set by the build's training start ({@link CdsTraining}): where the first boot's migrated database is written. */
    static final String TEMPLATE_OUT_ENV = "VESSEL_DATABASE_TEMPLATE_OUT";

    private List<Bundle> install(BundleContext context) throws IOException, BundleException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(home.resolve("bundle"), "*.jar")) {
            dir.forEach(jars::add);
        }
        jars.sort(null);
        List<Bundle> bundles = new ArrayList<>();
        for (Path jar : jars) {
            // reference: makes Felix read the jar in place instead of copying it into its cache at every start
            bundles.add(context.installBundle("reference:" + jar.toUri()));
        }
        return bundles;
    }

    /**
     * Starts ConfigAdmin and hands it the configuration, then Declarative Services, the persistence bundle (which
     * opens the database on its own thread) and Vessel's other bundles, then everything else. Persistence boots
     * Hibernate once the bundles that use it are active, so their entity contributions reach the first boot, the
     * longest step, which then overlaps Jetty's start. Operations and the kernel come before the other users of the
     * database: Declarative Services activates a service's users one after the other, in the order their bundles
     * started, on the thread that registered it; so the kernel's own thread (reconciling the host's VEs, the longest
     * of them) starts first and runs beside the others. Returns a failure or null.
     */
    private String startAll(BundleContext context, List<Bundle> bundles) {
        // Resolved together here, before anything starts, so no start below needs Felix's global resolve lock: a
        // start that does races the threads bundles start (persistence resolving its contributors, the plugin
        // starter), and Felix breaks that race by interrupting the starting thread, failing its bundle's start.
        context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class).resolveBundles(bundles);
        List<String> failures = new ArrayList<>();
        List<Bundle> ordered = new ArrayList<>(bundles);
        ordered.sort(java.util.Comparator.comparingInt(PanelFramework::startRank));
        for (Bundle b : ordered) {
            if (settings.nodeAgent() && !agentRuns(b)) {
                LOG.debug("Not started on a node agent bundle={}", b.getSymbolicName());
                continue;
            }
            startOne(b, failures);
            if (CONFIG_ADMIN_BUNDLE.equals(b.getSymbolicName())) {
                applyConfiguration(context);
            } else if (LOG_BUNDLE.equals(b.getSymbolicName())) {
                OsgiLogBridge.attach(context);
            }
        }
        return failures.isEmpty() ? null : String.join("; ", failures);
    }

    /**
     * What a node agent runs of the distribution: Vessel's persistence, operations and kernel layer (with its node
     * channel) over the libraries, and of backups the part that reads and restores its own VEs' files when a panel
     * asks. Not the web tier (Jetty, the API, the UIs), identity, billing, the backups' records, plugins or
     * notifications: they belong to the panels, and an agent never serves customers.
     */
    static boolean agentRuns(Bundle bundle) {
        String name = bundle.getSymbolicName() == null ? "" : bundle.getSymbolicName();
        if (name.startsWith("io.vessel.")) {
            return AGENT_BUNDLES.contains(name);
        }
        return !NOT_ON_AGENTS.contains(name);
    }

    private static final java.util.Set<String> AGENT_BUNDLES = java.util.Set.of("io.vessel.api", "io.vessel.persistence", "io.vessel.backup",
            "io.vessel.operations", "io.vessel.kernel");
    private static final java.util.Set<String> NOT_ON_AGENTS = java.util.Set.of("org.apache.felix.http.jetty12", "org.apache.felix.fileinstall");

    private static int startRank(Bundle bundle) {
        int early = EARLY.indexOf(bundle.getSymbolicName());
        if (early >= 0) {
            return early;
        }
        return bundle.getSymbolicName() != null && bundle.getSymbolicName().startsWith("io.vessel.") ? EARLY.size() : EARLY.size() + 1;
    }

    private static final String LOG_BUNDLE = "org.apache.felix.log";
    private static final List<String> EARLY = List.of(LOG_BUNDLE, CONFIG_ADMIN_BUNDLE, "org.osgi.util.function", "org.osgi.util.promise",
            "org.osgi.service.component", "org.apache.felix.scr", "io.vessel.persistence", "io.vessel.operations", "io.vessel.kernel");

    private void startOne(Bundle bundle, List<String> failures) {
        if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
            return;
        }
        long started = System.nanoTime();
        try {
            startRetryingLockContention(bundle);
            long took = (System.nanoTime() - started) / 1_000_000;
            startMillis.put(bundle.getSymbolicName(), took);
            LOG.debug("Started bundle={} tookMs={}", bundle.getSymbolicName(), took);
        } catch (BundleException e) {
            failures.add("bundle " + bundle.getSymbolicName() + " " + bundle.getVersion() + " cannot start: " + explain(e));
        }
    }

    /**
     * A start that still needs the global lock (a dynamic import, say) while another thread resolves is refused by
     * Felix with "Unable to acquire global lock": a moment's contention, not the bundle's fault, so it is tried again.
     */
    private static void startRetryingLockContention(Bundle bundle) throws BundleException {
        for (int attempt = 1; ; attempt++) {
            try {
                bundle.start();
                return;
            } catch (BundleException e) {
                if (attempt >= 20 || e.getMessage() == null || !e.getMessage().contains("Unable to acquire global lock")) {
                    throw e;
                }
                LOG.debug("Start of bundle={} met a concurrent resolve, trying again attempt={}", bundle.getSymbolicName(), attempt);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Felix says "Unable to resolve X: missing requirement [X] osgi.wiring.package; (&(...)) [caused by: ...]". */
    static String explain(BundleException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        int missing = message.indexOf("missing requirement");
        if (missing >= 0) {
            String requirement = message.substring(missing + "missing requirement".length()).strip();
            requirement = stripLeadingBracket(requirement);
            for (String tail : new String[] {" Unresolved requirements", " [caused by:"}) {
                int end = requirement.indexOf(tail);
                if (end > 0) {
                    requirement = requirement.substring(0, end);
                }
            }
            return "missing requirement " + requirement.strip();
        }
        return message.lines().findFirst().orElse(message);
    }

    /** Drops "[io.vessel.web [12](R 12.0)]" (brackets nest) from the front of Felix's requirement text. */
    private static String stripLeadingBracket(String text) {
        if (!text.startsWith("[")) {
            return text;
        }
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return text.substring(i + 1).strip();
            }
        }
        return text;
    }

    private void applyConfiguration(BundleContext context) {
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        if (ref == null) {
            LOG.warn("ConfigAdmin is not available; bundles start with their defaults");
            return;
        }
        ConfigurationAdmin admin = context.getService(ref);
        try {
            for (Map.Entry<String, Map<String, String>> pid : settings.configurations().entrySet()) {
                Configuration configuration = admin.getConfiguration(pid.getKey(), "?");
                Dictionary<String, Object> properties = new Hashtable<>(pid.getValue());
                configuration.update(properties);
                LOG.info("Configured pid={} keys={}", pid.getKey(), pid.getValue().keySet());
            }
        } catch (IOException e) {
            LOG.error("Cannot hand configuration to ConfigAdmin", e);
        } finally {
            context.ungetService(ref);
        }
    }

    /**
     * Tells the service manager (systemd) {@code state}, e.g. {@code READY=1}, through the notifier the kernel layer
     * registers when the panel runs under one (a {@code Consumer<String>} with {@code vessel.service.manager}: a JRE
     * type, so the launcher needs no class of a bundle). False when there is none: not under systemd.
     */
    @SuppressWarnings("unchecked")
    boolean notifyServiceManager(String state) {
        Framework running = framework;
        if (running == null || running.getBundleContext() == null) {
            return false;
        }
        try {
            BundleContext context = running.getBundleContext();
            ServiceReference<?>[] notifiers = context.getServiceReferences(java.util.function.Consumer.class.getName(), "(vessel.service.manager=*)");
            if (notifiers == null) {
                return false;
            }
            Object notifier = context.getService(notifiers[0]);
            try {
                ((java.util.function.Consumer<String>) notifier).accept(state);
                return true;
            } finally {
                context.ungetService(notifiers[0]);
            }
        } catch (InvalidSyntaxException | RuntimeException e) {
            return false;
        }
    }

    private static CompletableFuture<Outcome> watchForVerdict(BundleContext context) throws InvalidSyntaxException {
        CompletableFuture<Outcome> verdict = new CompletableFuture<>();
        String filter = "(|(objectClass=" + PANEL_READY + ")(objectClass=" + NODE_AGENT_READY + ")(objectClass=" + STARTUP_FAILURE + "))";
        ServiceListener listener = event -> {
            if (event.getType() == ServiceEvent.REGISTERED) {
                verdict.complete(outcomeOf(event.getServiceReference()));
            }
        };
        context.addServiceListener(listener, filter);
        ServiceReference<?>[] existing = context.getServiceReferences((String) null, filter);
        if (existing != null && existing.length > 0) {
            verdict.complete(outcomeOf(existing[0]));
        }
        return verdict;
    }

    private static Outcome outcomeOf(ServiceReference<?> ref) {
        String[] classes = (String[]) ref.getProperty(Constants.OBJECTCLASS);
        for (String c : classes) {
            if (STARTUP_FAILURE.equals(c)) {
                return new Outcome(Kind.COMPONENT_FAILURE, ref.getProperty(FAILURE_COMPONENT) + ": " + ref.getProperty(FAILURE_MESSAGE));
            }
        }
        Object channel = ref.getProperty("vessel.channel.url"); // a node agent's
        return new Outcome(Kind.READY, channel == null ? null : channel.toString());
    }

    /** The bundles whose start() took longest, for the start-up log line (bench cold-start reads it). */
    String slowestStarts(int count) {
        synchronized (startMillis) {
            return startMillis.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(count)
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ", "{", "}"));
        }
    }

    private String inactiveBundles() {
        if (framework == null) {
            return "[]";
        }
        return java.util.Arrays.stream(framework.getBundleContext().getBundles())
                .filter(b -> b.getState() != Bundle.ACTIVE && b.getHeaders().get(Constants.FRAGMENT_HOST) == null)
                .map(Bundle::getSymbolicName).collect(Collectors.toList()).toString();
    }

    Path dataDir() {
        return settings.dataDir();
    }

    Path logFile() {
        return settings.logDir().resolve("vessel.log");
    }

    void stop() {
        Framework f = framework;
        if (f == null) {
            return;
        }
        try {
            f.stop();
            f.waitForStop(30_000);
        } catch (BundleException e) {
            LOG.warn("Framework did not stop cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void awaitStop() {
        try {
            framework.waitForStop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
