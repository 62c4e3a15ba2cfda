package io.vessel.web.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.jakarta.rs.json.JacksonJsonProvider;
import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.PanelReady;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.ws.rs.ext.RuntimeDelegate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JAX-RS whiteboard on Jersey: collects resource and provider services from every bundle and serves them under
 * {@value ApiWhiteboard#BASE_PATH}. When the set changes, Jersey is reloaded in place; the HTTP server keeps
 * running and requests in flight finish on the previous application.
 */
@Component(immediate = true, service = io.vessel.web.api.ApiRefusals.class, configurationPid = WebConfig.PID)
@Designate(ocd = WebConfig.class)
public final class JaxRsWhiteboard implements io.vessel.web.api.ApiRefusals {

    private static final Logger LOG = LoggerFactory.getLogger(JaxRsWhiteboard.class);
    /** Bundles starting together register their resources within milliseconds; reload once for all of them. */
    private static final long RELOAD_DELAY_MS = 25;
    /**
     * Jersey is first built this soon with whatever is there (health answers with details, and the classes Jersey
     * needs are loaded while the database boots). During the start-up it is then rebuilt once, when every required
     * health check is there and nothing arrived for {@link #RELOAD_DELAY_MS}: the components register their
     * resources before their health check (the kernel's comes last, after what its services brought up), so that one
     * build has them all. Not once per quiet moment: a build in the middle of the start (when the database's users
     * have come and the kernel's have not) costs 0.3–0.4 s of CPU that the start needs elsewhere, and was followed by
     * another. If a required check never comes, the rebuild happens anyway after {@link #STARTUP_MAX_WAIT_MS}.
     */
    private static final long FIRST_BUILD_DELAY_MS = 150;
    private static final long STARTUP_MAX_WAIT_MS = 10_000;

    private final BundleContext context;
    private final ObjectMapper mapper = JsonMapperFactory.create();
    private final Set<Object> resources = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final Set<Object> extensions = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-jaxrs-reload");
        t.setDaemon(true);
        return t;
    });
    private final OpenApiResource openApi;
    private volatile ApiServlet servlet;
    /** The services the current application was built from, in order: extensions, then resources. */
    private volatile List<Object> builtWith = List.of();
    private ServiceRegistration<Servlet> apiRegistration;
    private ServiceRegistration<Servlet> fallbackRegistration;
    private ServiceRegistration<Servlet> errorPageRegistration;
    private boolean reloadPending;
    private final long activatedAt = System.nanoTime();
    /** When a resource, extension or health check last came or went. */
    private volatile long lastChange = System.nanoTime();
    private ServiceTracker<Object, Object> resourceTracker;
    private ServiceTracker<Object, Object> extensionTracker;
    private ServiceTracker<HealthCheck, String> healthTracker;
    private final Set<String> requiredChecks;
    private final Set<String> presentChecks = ConcurrentHashMap.newKeySet();
    private volatile ServiceRegistration<PanelReady> readyRegistration;

    @Activate
    public JaxRsWhiteboard(BundleContext context, WebConfig config) {
        this.context = context;
        this.requiredChecks = Set.of(config.required_checks());
        // The JAX-RS API bundle cannot find Jersey on its own in OSGi (it looks on its own class path).
        RuntimeDelegate.setInstance(new org.glassfish.jersey.server.internal.RuntimeDelegateImpl());
        String version = VersionInfo.of(context);
        this.openApi = new OpenApiResource(new OpenApiGenerator(mapper), this::resourceClasses, version);
        this.fallbackRegistration = context.registerService(Servlet.class, new ProblemServlet(mapper),
                servletProperties("vessel-not-found", "/", false));
        Dictionary<String, Object> errorPage = new Hashtable<>();
        errorPage.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "vessel-error-page");
        errorPage.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ERROR_PAGE, new String[] {"4xx", "5xx"});
        this.errorPageRegistration = context.registerService(Servlet.class, new ErrorPageServlet(mapper), errorPage);
        ClientAddresses clients = ClientAddresses.trusting(config.trusted_proxies());
        if (clients.trustsAnyone()) {
            LOG.info("Client addresses taken from X-Forwarded-For of trusted proxies={}", String.join(",", config.trusted_proxies()));
        }
        this.servlet = new ApiServlet(mapper, reloader, clients);
        this.apiRegistration = context.registerService(Servlet.class, servlet, servletProperties("vessel-api", ApiWhiteboard.BASE_PATH + "/*", true));
        this.resourceTracker = track(ApiWhiteboard.RESOURCE, resources);
        this.extensionTracker = track(ApiWhiteboard.EXTENSION, extensions);
        this.healthTracker = trackHealthChecks();
        reloader.schedule(this::firstBuild, FIRST_BUILD_DELAY_MS, TimeUnit.MILLISECONDS);
        reloader.schedule(this::scheduleReload, STARTUP_MAX_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private ServiceTracker<HealthCheck, String> trackHealthChecks() {
        ServiceTracker<HealthCheck, String> tracker = new ServiceTracker<>(context, HealthCheck.class, null) {
            @Override
            public String addingService(ServiceReference<HealthCheck> reference) {
                Object name = reference.getProperty(HealthCheck.NAME_PROPERTY);
                String checkName = name == null ? "" : name.toString();
                presentChecks.add(checkName);
                lastChange = System.nanoTime();
                scheduleReload();
                scheduleReadinessCheck();
                return checkName;
            }

            @Override
            public void removedService(ServiceReference<HealthCheck> reference, String name) {
                presentChecks.remove(name);
            }
        };
        tracker.open();
        return tracker;
    }

    /**
     * Evaluated on the reload thread a little after anything changes: a bundle registers its health check and
     * its resources within moments of each other, and the panel is ready only once both are in service.
     */
    private void scheduleReadinessCheck() {
        if (!reloader.isShutdown()) {
            reloader.schedule(this::checkReadiness, RELOAD_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void checkReadiness() {
        synchronized (this) {
            if (readyRegistration != null || servlet == null || !servlet.isServing() || reloadPending) {
                return;
            }
        }
        if (!builtWith.equals(contributions()) || !presentChecks.containsAll(requiredChecks)) {
            return; // a reload or a check is still to come, and will check again
        }
        String port = context.getProperty("org.osgi.service.http.port");
        String baseUrl = "http://localhost:" + (port == null ? "8080" : port);
        PanelReady ready = () -> baseUrl;
        synchronized (this) {
            if (readyRegistration == null) {
                readyRegistration = context.registerService(PanelReady.class, ready, null);
                LOG.info("Panel ready resources={} checks={}", resources.size(), new java.util.TreeSet<>(presentChecks));
            }
        }
    }

    private static Dictionary<String, Object> servletProperties(String name, String pattern, boolean api) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, name);
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, pattern);
        props.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ASYNC_SUPPORTED, Boolean.TRUE);
        if (api) {
            props.put("vessel.api", Boolean.TRUE);
        }
        return props;
    }

    /**
     * Tracks services by property alone, whatever interface they are registered under (a DS reference would
     * filter on objectClass). The service objects are JAX-RS singletons for as long as they are registered.
     */
    private ServiceTracker<Object, Object> track(String property, Set<Object> into) {
        Filter filter;
        try {
            filter = context.createFilter("(" + property + "=true)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, filter, null) {
            @Override
            public Object addingService(ServiceReference<Object> reference) {
                Object service = context.getService(reference);
                if (service != null && into == resources && !declaresAccess(service)) {
                    refusals.put(reference.getBundle().getBundleId(), "its resource " + service.getClass().getSimpleName()
                            + " has endpoints that do not declare who may call them (@RequiresPermission or @PublicEndpoint)");
                    context.ungetService(reference);
                    return null;
                }
                if (service != null) {
                    origins.put(service, reference);
                    into.add(service);
                    lastChange = System.nanoTime();
                    scheduleReload();
                }
                return service;
            }

            @Override
            public void removedService(ServiceReference<Object> reference, Object service) {
                into.remove(service);
                origins.remove(service);
                refusals.remove(reference.getBundle().getBundleId());
                lastChange = System.nanoTime();
                scheduleReload();
                context.ungetService(reference);
            }
        };
        tracker.open(true);
        return tracker;
    }

    /** A resource whose endpoints do not all say who may call them is refused (and the refusal logged). */
    private static boolean declaresAccess(Object resource) {
        java.util.List<String> undeclared = EndpointDeclarations.undeclared(resource.getClass());
        if (!undeclared.isEmpty()) {
            LOG.error("Resource not served resource={} undeclaredMethods={}: every endpoint needs @RequiresPermission or @PublicEndpoint",
                    resource.getClass().getName(), undeclared);
        }
        return undeclared.isEmpty();
    }

    private synchronized void scheduleReload() {
        if (servlet == null || reloadPending || reloader.isShutdown()) {
            return;
        }
        reloadPending = true;
        reloader.schedule(this::reload, RELOAD_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private void reload() {
        synchronized (this) {
            reloadPending = false;
        }
        ApiServlet current = servlet;
        if (current == null || frameworkStopping()) {
            return; // bundles going away one by one while the framework stops: nothing is served any more
        }
        if (!current.isInitialized()) {
            scheduleReload(); // Jetty has not initialised the servlet yet: try again shortly
            return;
        }
        boolean first = !current.isServing();
        if (!first && readyRegistration == null && !startupSettled()) {
            return;
        }
        if (!first && builtWith.equals(contributions())) {
            scheduleReadinessCheck(); // built with exactly these already (a health check came, no resource)
            return;
        }
        long started = System.nanoTime();
        try {
            current.replace(buildConfig());
            LOG.info("REST API {} path={} resources={} extensions={} tookMs={}", first ? "serving" : "reloaded", ApiWhiteboard.BASE_PATH,
                    resources.size(), extensions.size(), (System.nanoTime() - started) / 1_000_000);
            announceRebuilt(started);
            scheduleReadinessCheck();
        } catch (ServletException | RuntimeException e) {
            LOG.error("REST API reload failed; the previous set of endpoints stays in service", e);
        }
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile org.osgi.service.event.EventAdmin events;

    /**
     * Says that the API now serves every resource registered before {@code startedNanos} ({@value
     * ApiWhiteboard#REBUILT_TOPIC}): a plugin's page is shown once the resources it calls answer.
     */
    private void announceRebuilt(long startedNanos) {
        org.osgi.service.event.EventAdmin admin = events;
        if (admin != null) {
            admin.postEvent(new org.osgi.service.event.Event(ApiWhiteboard.REBUILT_TOPIC, java.util.Map.of(ApiWhiteboard.REBUILT_AS_OF, startedNanos)));
        }
    }

    private boolean frameworkStopping() {
        try {
            return context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException stopped) {
            return true; // this bundle's context is no longer valid
        }
    }

    private void firstBuild() {
        ApiServlet current = servlet;
        if (current != null && !current.isServing()) {
            reload();
        }
    }

    /**
     * Whether the start-up burst of resources is over (see {@link #FIRST_BUILD_DELAY_MS}). If the checks are all
     * there but something arrived a moment ago, schedules the next look; a check still missing brings the next look
     * itself when it comes (or the maximum wait does).
     */
    private boolean startupSettled() {
        long now = System.nanoTime();
        if (now - activatedAt >= TimeUnit.MILLISECONDS.toNanos(STARTUP_MAX_WAIT_MS)) {
            return true;
        }
        if (!presentChecks.containsAll(requiredChecks)) {
            return false;
        }
        if (now - lastChange < TimeUnit.MILLISECONDS.toNanos(RELOAD_DELAY_MS)) {
            scheduleReload(); // look again once it has been quiet long enough
            return false;
        }
        return true;
    }

    /** Where each tracked service came from (for the order of registration and the bundle to blame). */
    private final Map<Object, ServiceReference<?>> origins = new java.util.concurrent.ConcurrentHashMap<>();
    /** Why a bundle's resource is not served, by bundle id (see {@link ApiRefusals}). */
    private final Map<Long, String> refusals = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Extensions, then resources: the panel's own first, then plugins' in the order they were registered; a resource
     * whose {@code @Path} is already taken is left out (and its bundle told why), so a plugin can neither shadow a
     * core endpoint nor make every later rebuild of the API fail. It is taken in once the path is free again.
     */
    private List<Object> contributions() {
        List<Object> all = snapshot(extensions);
        Map<String, String> taken = new java.util.HashMap<>();
        List<Object> ordered = snapshot(resources);
        // the panel's own resources first, whenever they came (at start-up plugins may register before the kernel);
        // among plugins, the earlier one
        ordered.sort(java.util.Comparator.comparing((Object r) -> fromPlugin(origins.get(r))).thenComparingLong(r -> serviceId(origins.get(r))));
        for (Object resource : ordered) {
            ServiceReference<?> origin = origins.get(resource);
            String path = rootPath(resource.getClass());
            String owner = origin == null || origin.getBundle() == null ? "?" : origin.getBundle().getSymbolicName();
            String holder = path == null ? null : taken.putIfAbsent(path, owner);
            if (holder != null && origin != null && origin.getBundle() != null) {
                String reason = "its resource at " + ApiWhiteboard.BASE_PATH + "/" + path + " is not served: " + holder + " has that path";
                if (refusals.put(origin.getBundle().getBundleId(), reason) == null) {
                    LOG.error("Resource not served bundle={} path={}: {} has that path", owner, path, holder);
                }
                continue;
            }
            if (origin != null && origin.getBundle() != null && refusals.get(origin.getBundle().getBundleId()) != null
                    && refusals.get(origin.getBundle().getBundleId()).contains(" is not served: ")) {
                refusals.remove(origin.getBundle().getBundleId());
            }
            all.add(resource);
        }
        return all;
    }

    /** Whether the service's bundle was installed from the plugins directory. */
    private boolean fromPlugin(ServiceReference<?> ref) {
        String dir = context.getProperty("vessel.plugins.dir");
        if (ref == null || ref.getBundle() == null || dir == null) {
            return false;
        }
        String location = ref.getBundle().getLocation();
        try {
            java.nio.file.Path file = location.startsWith("file:") ? java.nio.file.Path.of(java.net.URI.create(location)) : java.nio.file.Path.of(location);
            return java.nio.file.Path.of(dir).toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize().getParent());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static long serviceId(ServiceReference<?> ref) {
        Object id = ref == null ? null : ref.getProperty(org.osgi.framework.Constants.SERVICE_ID);
        return id instanceof Long l ? l : Long.MAX_VALUE;
    }

    /** {@code sample} for {@code @Path("/sample/")}. */
    private static String rootPath(Class<?> type) {
        jakarta.ws.rs.Path path = type.getAnnotation(jakarta.ws.rs.Path.class);
        return path == null ? null : path.value().replaceAll("^/+|/+$", "");
    }

    @Override
    public Map<Long, String> refusedByBundle() {
        return Map.copyOf(refusals);
    }

    private ResourceConfig buildConfig() {
        List<Object> contributions = contributions();
        builtWith = contributions;
        ResourceConfig config = new ResourceConfig();
        config.setApplicationName("vessel");
        config.property(ServerProperties.WADL_FEATURE_DISABLE, true);
        config.property(ServerProperties.BV_FEATURE_DISABLE, true);
        config.property(ServerProperties.METAINF_SERVICES_LOOKUP_DISABLE, true);
        config.property(ServerProperties.FEATURE_AUTO_DISCOVERY_DISABLE, true);
        // Errors are written by our mapper; never let Jetty replace them with its HTML error page.
        config.property(ServerProperties.RESPONSE_SET_STATUS_OVER_SEND_ERROR, true);
        config.register(new JacksonJsonProvider(mapper));
        config.register(org.glassfish.jersey.media.sse.SseFeature.class);
        // service-file lookup is off, so Servlet 3 async (needed by event streams) is switched on by hand
        config.register(new org.glassfish.jersey.internal.inject.AbstractBinder() {
            @Override
            protected void configure() {
                bind(new org.glassfish.jersey.servlet.async.AsyncContextDelegateProviderImpl())
                        .to(org.glassfish.jersey.servlet.spi.AsyncContextDelegateProvider.class);
            }
        });
        config.register(new ProblemMapper(() -> readyRegistration != null));
        config.register(new AccessLogFilter());
        config.register(openApi);
        contributions.forEach(config::register);
        return config;
    }

    private List<Class<?>> resourceClasses() {
        List<Class<?>> classes = new ArrayList<>();
        classes.add(OpenApiResource.class);
        // what is served: the resources the last build took in (not those left out for a taken path)
        builtWith.stream().filter(resources::contains).forEach(r -> classes.add(r.getClass()));
        return classes;
    }

    private static List<Object> snapshot(Set<Object> set) {
        synchronized (set) {
            return new ArrayList<>(set);
        }
    }

    @Deactivate
    void deactivate() {
        resourceTracker.close();
        extensionTracker.close();
        healthTracker.close();
        synchronized (this) {
            if (readyRegistration != null) {
                try {
                    readyRegistration.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // framework shutting down
                }
                readyRegistration = null;
            }
        }
        reloader.shutdownNow();
        try {
            // a build still running must end before this bundle's classes go away under it
            reloader.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        servlet = null;
        for (ServiceRegistration<?> registration : new ServiceRegistration<?>[] {apiRegistration, fallbackRegistration, errorPageRegistration}) {
            if (registration == null) {
                continue;
            }
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // framework shutting down
            }
        }
    }

    /** For tests and diagnostics. */
    Map<String, Integer> counts() {
        return Map.of("resources", resources.size(), "extensions", extensions.size());
    }
}
