package io.vessel.persistence.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the first Hibernate boot until the bundles that import the persistence API and are about to start have
 * started, so their entity contributions arrive before it: one boot at start-up instead of an early empty one and a
 * second with everything (each boot is over a second of class loading). Gives up waiting after a while, since a
 * bundle that cannot resolve never starts; a late contribution then rebuilds as it always does.
 *
 * <p>A bundle counts as started once Declarative Services has also done its part: the framework marks a bundle
 * {@code ACTIVE} before it tells DS (a synchronous listener) to register the bundle's components, so a bundle seen
 * active a moment too early had not contributed yet and the first boot went without it (a second boot followed,
 * ≈ 1.7 s). Its components are read from {@link ServiceComponentRuntime}: each must be enabled, and one that
 * activates immediately (and may register a contribution itself) must be past its activation.
 */
final class ContributorsStarting implements BundleListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContributorsStarting.class);
    private static final String API_PACKAGE = "io.vessel.persistence.api";
    private static final int NOT_YET_STARTED = Bundle.INSTALLED | Bundle.RESOLVED | Bundle.STARTING;
    /**
     * How often the wait looks again: DS finishes a bundle's components without a bundle event of its own (the
     * bundle's {@code STARTED} event usually comes after, but not for a bundle that started as the wait began).
     */
    private static final long RECHECK_MS = 20;

    private final BundleContext context;
    private final ScheduledExecutorService executor;
    private final long maxWaitMs;
    private final Set<Long> unresolvable = ConcurrentHashMap.newKeySet();
    private Runnable whenStarted;
    private ScheduledFuture<?> giveUp;
    private ScheduledFuture<?> recheck;

    /**
     * The only Vessel bundles a node agent starts (framework property {@code vessel.started.only}, set by the launcher);
     * the others stay resolved and are not waited for. Empty: every bundle starts.
     */
    private final Set<String> startedOnly;

    ContributorsStarting(BundleContext context, ScheduledExecutorService executor, long maxWaitMs) {
        this.context = context;
        String only = context.getProperty("vessel.started.only");
        this.startedOnly = only == null || only.isBlank() ? Set.of() : Set.of(only.strip().split("\\s*,\\s*"));
        this.executor = executor;
        this.maxWaitMs = maxWaitMs;
    }

    /** Runs {@code action} on the executor once no contributor is still starting (at once if none is). */
    synchronized void await(Runnable action) {
        resolveInstalled();
        whenStarted = action;
        context.addBundleListener(this);
        giveUp = executor.schedule(() -> release("gave up waiting for " + pending()), maxWaitMs, TimeUnit.MILLISECONDS);
        recheck = executor.scheduleWithFixedDelay(this::check, RECHECK_MS, RECHECK_MS, TimeUnit.MILLISECONDS);
        check();
    }

    /** True while the first boot is being held back. */
    synchronized boolean waiting() {
        return whenStarted != null;
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        check();
    }

    private synchronized void check() {
        if (whenStarted != null && pending().isEmpty()) {
            release(null);
        }
    }

    private synchronized void release(String why) {
        Runnable action = whenStarted;
        if (action == null) {
            return;
        }
        whenStarted = null;
        if (why != null) {
            LOG.warn("Booting persistence without waiting any longer: {}", why);
        }
        close();
        executor.execute(action);
    }

    /**
     * Bundles that import the persistence API and have not started yet. One that cannot resolve (a broken plugin)
     * stays installed and is not waited for.
     */
    List<String> pending() {
        ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = ref == null ? null : context.getService(ref);
        try {
            return importers().filter(b -> (b.getState() & NOT_YET_STARTED) != 0 || !settled(scr, b))
                    .map(Bundle::getSymbolicName).toList();
        } finally {
            if (scr != null) {
                context.ungetService(ref);
            }
        }
    }

    /** Bundles seen settled (not asked again: reading DS's component descriptions every few milliseconds costs). */
    private final Set<Long> settled = ConcurrentHashMap.newKeySet();

    private boolean settled(ServiceComponentRuntime scr, Bundle bundle) {
        if (settled.contains(bundle.getBundleId())) {
            return true;
        }
        boolean now = componentsSettled(scr, bundle);
        if (now) {
            settled.add(bundle.getBundleId());
        }
        return now;
    }

    /**
     * Whether DS has enabled the bundle's components and activated those that activate immediately (true for a
     * bundle without components). A component still waiting for a service counts as settled: what it contributes
     * once that service comes is a later rebuild, as for any late contribution.
     */
    static boolean componentsSettled(ServiceComponentRuntime scr, Bundle bundle) {
        if (bundle.getHeaders().get("Service-Component") == null) {
            return true;
        }
        if (scr == null) {
            return false; // DS itself has not started yet
        }
        java.util.Collection<ComponentDescriptionDTO> descriptions = scr.getComponentDescriptionDTOs(bundle);
        if (descriptions.isEmpty()) {
            return false; // DS has not read the bundle's components yet
        }
        for (ComponentDescriptionDTO description : descriptions) {
            if (!description.defaultEnabled || "require".equals(description.configurationPolicy)) {
                continue; // enabled later by its bundle, or waiting for its configuration: not part of the start
            }
            java.util.Collection<ComponentConfigurationDTO> configurations = scr.getComponentConfigurationDTOs(description);
            if (configurations.isEmpty()) {
                return false; // not enabled yet
            }
            for (ComponentConfigurationDTO configuration : configurations) {
                if (description.immediate && configuration.state == ComponentConfigurationDTO.SATISFIED) {
                    return false; // being activated right now
                }
            }
        }
        return true;
    }

    /** Resolves the installed importers now, so the ones that never can are known (they stay INSTALLED). */
    private void resolveInstalled() {
        List<Bundle> installed = importers().filter(b -> b.getState() == Bundle.INSTALLED).toList();
        if (!installed.isEmpty()) {
            context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class).resolveBundles(installed);
            unresolvable.addAll(installed.stream().filter(b -> b.getState() == Bundle.INSTALLED).map(Bundle::getBundleId).toList());
        }
    }

    private Stream<Bundle> importers() {
        return Arrays.stream(context.getBundles())
                .filter(b -> b.getBundleId() != context.getBundle().getBundleId())
                .filter(b -> !unresolvable.contains(b.getBundleId()))
                .filter(b -> b.getHeaders().get(Constants.FRAGMENT_HOST) == null)
                .filter(this::willStart)
                .filter(ContributorsStarting::importsPersistence);
    }

    private boolean willStart(Bundle bundle) {
        String name = bundle.getSymbolicName();
        return startedOnly.isEmpty() || name == null || !name.startsWith("io.vessel.") || startedOnly.contains(name);
    }

    private static boolean importsPersistence(Bundle bundle) {
        String imports = bundle.getHeaders().get(Constants.IMPORT_PACKAGE);
        return imports != null && imports.contains(API_PACKAGE);
    }

    @Override
    public synchronized void close() {
        try {
            context.removeBundleListener(this);
        } catch (IllegalStateException stopping) {
            // the bundle context is no longer valid: the framework is stopping
        }
        if (giveUp != null) {
            giveUp.cancel(false);
        }
        if (recheck != null) {
            recheck.cancel(false);
        }
    }
}
