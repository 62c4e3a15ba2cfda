package io.vessel.persistence.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.HealthReport;
import io.vessel.api.platform.StartupFailure;
import io.vessel.persistence.api.Database;
import io.vessel.persistence.api.DatabaseInfo;
import io.vessel.persistence.api.PersistenceContribution;
import java.nio.file.Path;
import java.util.Dictionary;
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
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-persistence");
        t.setDaemon(true);
        return t;
    });
    private volatile PersistenceEngine engine;
    private ServiceRegistration<io.vessel.persistence.api.ModulePurge> purgeRegistration;
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
            started = PersistenceEngine.start(settings);
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

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addContribution(PersistenceContribution contribution) {
        contributions.add(contribution);
        scheduleRebuild();
    }

    void removeContribution(PersistenceContribution contribution) {
        contributions.remove(contribution);
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
        List<PersistenceContribution> snapshot = List.copyOf(contributions);
        try {
            engine.apply(snapshot);
        } catch (DatabaseUnavailableException e) {
            LOG.debug("Persistence rebuild failure details", e);
            if (databaseRegistration == null) {
                reportFailure(e.getMessage());
            } else {
                LOG.error("Keeping the previous database mapping: {}", e.getMessage());
            }
            return;
        } catch (RuntimeException e) {
            LOG.error("Persistence rebuild failed", e);
            if (databaseRegistration == null) {
                reportFailure("cannot start persistence: " + ConnectionPool.firstLine(e.getMessage()));
            }
            return;
        }
        publish();
    }

    private synchronized void publish() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Database.MODULES_PROPERTY, engine.modules().toArray(String[]::new));
        if (databaseRegistration == null) {
            databaseRegistration = context.registerService(Database.class, engine, props);
            Dictionary<String, Object> healthProps = new Hashtable<>();
            healthProps.put(HealthCheck.NAME_PROPERTY, "database");
            healthRegistration = context.registerService(HealthCheck.class, this::health, healthProps);
            purgeRegistration = context.registerService(io.vessel.persistence.api.ModulePurge.class, (module, tables) -> engine.purge(module, tables), null);
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
