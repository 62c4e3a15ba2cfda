package io.vessel.persistence.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.HealthReport;
import io.vessel.api.platform.StartupFailure;
import io.vessel.persistence.api.Database;
import io.vessel.persistence.api.DatabaseInfo;
import io.vessel.persistence.api.PersistenceContribution;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to the configured database, applies every contributed module's migrations and publishes
 * {@link Database}. A database that cannot be used is reported as a {@link StartupFailure} with one clear line.
 */
@Component(configurationPid = PersistenceComponent.PID, immediate = true, service = {})
@Designate(ocd = PersistenceComponent.Config.class)
public final class PersistenceComponent {

    static final String PID = "io.vessel.persistence";
    private static final Logger LOG = LoggerFactory.getLogger(PersistenceComponent.class);
    /** Contributions arriving close together at start-up are folded into one Hibernate boot. */
    private static final long REBUILD_DELAY_MS = 30;
    /** How long the first boot waits for bundles that use persistence and are still starting (one may never start). */
    private static final long FIRST_BOOT_WAIT_MS = 10_000;

    @ObjectClassDefinition(name = "Vessel database", description = "Where the panel keeps its state")
    public @interface Config {
        @AttributeDefinition(description = "JDBC URL of a PostgreSQL database; empty for the embedded database under the data directory")
        String url() default "";

        @AttributeDefinition(description = "Database user")
        String user() default "";

        @AttributeDefinition(description = "Database password", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
        String password() default "";

        @AttributeDefinition(description = "Schema for Vessel's tables; created if missing. Empty: the user's default schema")
        String schema() default "";

        @AttributeDefinition(description = "Maximum number of pooled connections")
        int pool_size() default 10;
    }

    private final BundleContext context;
    private final ContributorsStarting contributorsStarting;
    private final Set<PersistenceContribution> contributions = ConcurrentHashMap.newKeySet();
    /** Who registered each contribution (bundle, service id): precedence, and whom a refusal is about. */
    private final Map<PersistenceContribution, ServiceReference<PersistenceContribution>> references = new ConcurrentHashMap<>();
    private volatile Map<Long, String> refused = Map.of();
    private ServiceRegistration<io.vessel.persistence.api.PersistenceRefusals> refusalsRegistration;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-persistence");
        t.setDaemon(true);
        return t;
    });
    private volatile PersistenceEngine engine;
    private ServiceRegistration<io.vessel.persistence.api.ModulePurge> purgeRegistration;
    private ServiceRegistration<io.vessel.persistence.api.DatabaseDump> dumpRegistration;
    private ScheduledFuture<?> pendingRebuild;
    private ServiceRegistration<Database> databaseRegistration;
    private ServiceRegistration<HealthCheck> healthRegistration;
    private ServiceRegistration<StartupFailure> failureRegistration;

    @Activate
    public PersistenceComponent(BundleContext context, Config config) {
        this.context = context;
        this.contributorsStarting = new ContributorsStarting(context, executor, FIRST_BOOT_WAIT_MS);
        Path dataDir = Path.of(valueOr(context.getProperty("vessel.data.dir"), "data"));
        // Opening the database (H2 alone takes half a second) and the first Hibernate boot run on persistence's
        // own thread, so the bundles starting after this one (Jetty, Jersey) start meanwhile.
        executor.execute(() -> open(config, dataDir));
    }

    private void open(Config config, Path dataDir) {
        PersistenceEngine started;
        try {
            ConnectionSettings settings = ConnectionSettings.of(config.url(), config.user(), config.password(),
                    config.schema(), config.pool_size(), dataDir);
            // a node agent connects with its node's own role, which row-level security keeps to that node's rows
            // and which may not change the schema: the panels migrate
            boolean agent = "node-agent".equals(context.getProperty("vessel.role"));
            if (agent && !settings.isPostgres()) {
                throw new DatabaseUnavailableException("a node agent (server.role = node-agent) works on the installation's PostgreSQL "
                        + "database, not an embedded one: join it to a panel with 'bin/vessel node join', which sets database.url");
            }
            if ("panel".equals(context.getProperty("vessel.role")) && !settings.isPostgres()) {
                throw new DatabaseUnavailableException("a panel without VEs (server.role = panel) manages the VEs of node agents, which share "
                        + "the installation's PostgreSQL database: set database.url (an embedded database has no node agents)");
            }
            seedFromTemplate(settings, dataDir);
            started = PersistenceEngine.start(settings, !agent);
            DatabaseInfo info = started.info();
            LOG.info("Connected to database product=\"{} {}\" url={} schema={}", info.product(), info.version(),
                    info.url(), info.schema());
        } catch (DatabaseUnavailableException e) {
            LOG.debug("Database start failure details", e);
            reportFailure(e.getMessage());
            return;
        }
        synchronized (this) {
            if (executor.isShutdown()) {
                started.close();
                return;
            }
            engine = started;
        }
        contributorsStarting.await(this::scheduleRebuild);
    }

    /** A first start copies the distribution's empty database, if the launcher found one that fits (see {@link EmptyDatabase}). */
    private void seedFromTemplate(ConnectionSettings settings, Path dataDir) {
        String template = context.getProperty("vessel.database.template");
        if (template == null || template.isBlank()) {
            return;
        }
        long began = System.nanoTime();
        try {
            if (EmptyDatabase.seed(settings, dataDir, Path.of(template))) {
                LOG.info("Database made from the distribution's empty database template={} tookMs={}", template,
                        (System.nanoTime() - began) / 1_000_000);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // nothing lost: the migrations make the database as they always did
            LOG.warn("The distribution's empty database could not be used, migrating a new one instead: {}", e.getMessage());
        }
    }

    /**
     * The training start at build time (framework property {@code vessel.database.template.out}): the database as the
     * first boot's migrations left it, before any other bundle could write, becomes the distribution's empty database.
     */
    private void writeTemplate() {
        String out = context.getProperty("vessel.database.template.out");
        if (out == null || out.isBlank() || databaseRegistration != null) {
            return;
        }
        try {
            EmptyDatabase.write(engine, Path.of(out));
            LOG.info("Empty database written for the distribution file={}", out);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("The empty database could not be written: {}", e.getMessage());
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addContribution(PersistenceContribution contribution, ServiceReference<PersistenceContribution> reference) {
        references.put(contribution, reference);
        contributions.add(contribution);
        scheduleRebuild();
    }

    void removeContribution(PersistenceContribution contribution) {
        contributions.remove(contribution);
        references.remove(contribution);
        scheduleRebuild();
    }

    private void scheduleRebuild() {
        scheduleRebuild(REBUILD_DELAY_MS);
    }

    private synchronized void scheduleRebuild(long delayMs) {
        if (engine == null || executor.isShutdown() || contributorsStarting.waiting()) {
            return;
        }
        if (pendingRebuild != null && !pendingRebuild.isDone()) {
            pendingRebuild.cancel(false);
        }
        pendingRebuild = executor.schedule(this::rebuild, delayMs, TimeUnit.MILLISECONDS);
    }


    private void rebuild() {
        Map<Long, String> nextRefused = new HashMap<>();
        List<ContributionScreen.Claimant> accepted = ContributionScreen.accept(claimantsInPrecedence(), nextRefused);
        List<ContributionScreen.Claimant> trying = accepted;
        Set<ContributionScreen.Claimant> suspected = new java.util.HashSet<>();
        ContributionScreen.Claimant suspect = null;
        String suspicion = null;
        for (int attempt = 0; ; attempt++) {
            try {
                engine.apply(trying.stream().map(ContributionScreen.Claimant::contribution).toList());
                break;
            } catch (DatabaseUnavailableException e) {
                LOG.debug("Persistence rebuild failure details", e);
                if (databaseRegistration == null) {
                    reportFailure(e.getMessage());
                } else {
                    LOG.error("Keeping the previous database mapping: {}", e.getMessage());
                }
                return;
            } catch (RuntimeException e) {
                // a plugin's share that cannot be mapped is left out, so everything else keeps (or gets) its mapping:
                // the module whose migrations failed, or, when Hibernate refuses the mapping as a whole, the plugin
                // without which it works (newest first; the panel's own modules are never left out)
                ContributionScreen.Claimant failed = e instanceof PersistenceEngine.ModuleFailure f ? plugin(accepted, f.contribution) : null;
                if (failed != null) {
                    leaveOut(nextRefused, failed, "its database " + e.getMessage(), e);
                    accepted = without(accepted, failed);
                    trying = suspect == null ? accepted : without(accepted, suspect);
                } else {
                    suspect = e instanceof PersistenceEngine.ModuleFailure ? null : nextSuspect(accepted, suspected);
                    if (suspect == null || attempt >= MAX_LEFT_OUT) {
                        LOG.error("Persistence rebuild failed", e);
                        // a module of the panel's own whose migrations fail (a database a newer Vessel migrated) stops
                        // the start even when an earlier boot, before that module's share arrived, already succeeded
                        if (databaseRegistration == null || e instanceof PersistenceEngine.ModuleFailure) {
                            reportFailure("cannot start persistence: " + ConnectionPool.firstLine(e.getMessage()));
                        }
                        return;
                    }
                    suspected.add(suspect);
                    suspicion = "its entities cannot be mapped: " + ConnectionPool.firstLine(e.getMessage());
                    trying = without(accepted, suspect);
                }
            }
        }
        if (suspect != null) {
            leaveOut(nextRefused, suspect, suspicion, null);
        }
        refused = Map.copyOf(nextRefused);
        writeTemplate();
        publish();
    }

    /** How many times one rebuild tries again without a plugin's share. */
    private static final int MAX_LEFT_OUT = 5;

    private static void leaveOut(Map<Long, String> refusals, ContributionScreen.Claimant claimant, String why, Exception e) {
        LOG.warn("Persistence leaves out module={} bundle={}: {}", claimant.contribution().module(), claimant.bundleName(), why);
        if (e != null) {
            LOG.debug("Persistence module failure details", e);
        }
        refusals.put(claimant.bundleId(), why);
    }

    private static List<ContributionScreen.Claimant> without(List<ContributionScreen.Claimant> all, ContributionScreen.Claimant left) {
        return all.stream().filter(c -> c != left).toList();
    }

    private static ContributionScreen.Claimant plugin(List<ContributionScreen.Claimant> accepted, PersistenceContribution contribution) {
        return accepted.stream().filter(c -> c.contribution() == contribution && c.contribution().order() >= 1000).findFirst().orElse(null);
    }

    private static ContributionScreen.Claimant nextSuspect(List<ContributionScreen.Claimant> accepted, Set<ContributionScreen.Claimant> suspected) {
        for (int i = accepted.size() - 1; i >= 0; i--) {
            ContributionScreen.Claimant c = accepted.get(i);
            if (c.contribution().order() >= 1000 && !suspected.contains(c)) {
                return c;
            }
        }
        return null;
    }

    /** Core modules first, then plugins, the older registration first. */
    private List<ContributionScreen.Claimant> claimantsInPrecedence() {
        List<ContributionScreen.Claimant> claimants = new ArrayList<>();
        for (PersistenceContribution c : List.copyOf(contributions)) {
            ServiceReference<PersistenceContribution> ref = references.get(c);
            org.osgi.framework.Bundle bundle = ref == null ? null : ref.getBundle();
            claimants.add(new ContributionScreen.Claimant(c, bundle == null ? -1 : bundle.getBundleId(),
                    bundle == null || bundle.getSymbolicName() == null ? "module " + c.module() : bundle.getSymbolicName()));
        }
        claimants.sort(Comparator.comparingInt((ContributionScreen.Claimant c) -> c.contribution().order() < 1000 ? 0 : 1)
                .thenComparingLong(c -> serviceId(references.get(c.contribution()))));
        return claimants;
    }

    private static long serviceId(ServiceReference<?> ref) {
        Object id = ref == null ? null : ref.getProperty(org.osgi.framework.Constants.SERVICE_ID);
        return id instanceof Long l ? l : Long.MAX_VALUE;
    }

    /** After the start's burst: see {@link HqlWarmUp}. */
    private static final long HQL_WARM_UP_DELAY_S = 2;
    /** How long the warm-up waits for the panel (or node agent) to say it is ready before it runs anyway. */
    private static final int HQL_WARM_UP_MAX_LOOKS = 60;

    /** Warms the HQL parser once the start is over: the process is ready, and then a moment more. */
    private void warmUpWhenReady(int looks) {
        boolean ready = context.getServiceReference(io.vessel.api.platform.PanelReady.class) != null
                || context.getServiceReference(io.vessel.api.platform.NodeAgentReady.class) != null;
        if (ready || looks >= HQL_WARM_UP_MAX_LOOKS) {
            executor.schedule(HqlWarmUp::run, HQL_WARM_UP_DELAY_S, TimeUnit.SECONDS);
        } else {
            executor.schedule(() -> warmUpWhenReady(looks + 1), 1, TimeUnit.SECONDS);
        }
    }

    private synchronized void publish() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Database.MODULES_PROPERTY, engine.modules().toArray(String[]::new));
        if (databaseRegistration == null) {
            executor.schedule(() -> warmUpWhenReady(0), 1, TimeUnit.SECONDS);
            databaseRegistration = context.registerService(Database.class, engine, props);
            Dictionary<String, Object> healthProps = new Hashtable<>();
            healthProps.put(HealthCheck.NAME_PROPERTY, "database");
            healthRegistration = context.registerService(HealthCheck.class, this::health, healthProps);
            purgeRegistration = context.registerService(io.vessel.persistence.api.ModulePurge.class, (module, tables) -> engine.purge(module, tables), null);
            dumpRegistration = context.registerService(io.vessel.persistence.api.DatabaseDump.class, engine::dumpTo, null);
            refusalsRegistration = context.registerService(io.vessel.persistence.api.PersistenceRefusals.class, () -> refused, null);
        } else {
            databaseRegistration.setProperties(props);
        }
    }

    private HealthReport health() {
        DatabaseInfo info = engine.info();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("product", info.product());
        details.put("version", info.version());
        details.put("url", info.url());
        details.put("schema", info.schema());
        details.put("embedded", info.embedded());
        details.put("modules", engine.modules());
        try {
            long ms = engine.ping();
            details.put("latencyMs", ms);
            return HealthReport.up(info.product() + " answered in " + ms + " ms", details);
        } catch (Exception e) {
            return HealthReport.down("database does not answer: " + ConnectionPool.firstLine(e.getMessage()), details);
        }
    }

    private synchronized void reportFailure(String message) {
        LOG.error("Database unavailable: {}", message);
        if (failureRegistration != null) {
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(StartupFailure.COMPONENT_PROPERTY, "database");
        props.put(StartupFailure.MESSAGE_PROPERTY, message);
        failureRegistration = context.registerService(StartupFailure.class, new StartupFailure() {
            @Override
            public String component() {
                return "database";
            }

            @Override
            public String message() {
                return message;
            }
        }, props);
    }

    @Deactivate
    void deactivate() {
        contributorsStarting.close();
        synchronized (this) {
            executor.shutdownNow();
            unregister(healthRegistration);
            unregister(databaseRegistration);
            unregister(failureRegistration);
            unregister(purgeRegistration);
            unregister(dumpRegistration);
            dumpRegistration = null;
            unregister(refusalsRegistration);
            refusalsRegistration = null;
            purgeRegistration = null;
            healthRegistration = null;
            databaseRegistration = null;
            failureRegistration = null;
        }
        if (engine != null) {
            engine.close();
        }
    }

    private static void unregister(ServiceRegistration<?> registration) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping and removed it already
            }
        }
    }

    private static String valueOr(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
