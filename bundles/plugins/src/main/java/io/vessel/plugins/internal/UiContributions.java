package io.vessel.plugins.internal;

import io.vessel.api.security.Caller;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.UiContribution;
import io.vessel.web.api.UiServlet;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins' {@link UiContribution}s: listed to the shells at {@code GET /api/v1/ui/contributions} (only what
 * the caller may see), their modules served from the plugins' bundles at {@code /plugin-ui/<plugin>/<file>}, and
 * every change announced on {@code io/vessel/ui/CHANGED}, which the event stream passes to open pages so menus
 * follow without a reload.
 */
@Component(service = UiContributions.class, immediate = true)
public final class UiContributions {

    private static final Logger LOG = LoggerFactory.getLogger(UiContributions.class);
    static final String TOPIC = "io/vessel/ui/CHANGED";
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** A contribution as the shells get it; {@code module} is its URL. */
    public record ContributionView(String plugin, String id, String placement, String label, String permission, String module) {
    }

    /**
     * A new contribution is shown once the REST API has been rebuilt after it came (its page calls the plugin's
     * resources, which join the API then). A plugin without resources gets no rebuild: its pages are shown after
     * {@link #SHOW_ANYWAY}. One with resources waits for the rebuild however long a loaded machine takes for it (its
     * page would meet a 404 otherwise), up to {@link #SHOW_WITHOUT_REBUILD} if the rebuild failed.
     */
    private static final long SHOW_ANYWAY = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    private static final long SHOW_WITHOUT_REBUILD = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    private final Map<ServiceReference<UiContribution>, Long> addedAt = new ConcurrentHashMap<>();
    private volatile long apiRebuiltAsOf;
    private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-ui-contributions");
        t.setDaemon(true);
        return t;
    });

    private final Map<ServiceReference<UiContribution>, ContributionView> contributions = new ConcurrentHashMap<>();
    private final List<ServiceRegistration<?>> registrations;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    @Activate
    public UiContributions(BundleContext context) {
        java.util.Hashtable<String, Object> resource = new java.util.Hashtable<>();
        resource.put(ApiWhiteboard.RESOURCE, "true");
        java.util.Hashtable<String, Object> rebuilt = new java.util.Hashtable<>();
        rebuilt.put(org.osgi.service.event.EventConstants.EVENT_TOPIC, ApiWhiteboard.REBUILT_TOPIC);
        java.util.Hashtable<String, Object> servlet = new java.util.Hashtable<>();
        servlet.put("osgi.http.whiteboard.servlet.name", "vessel-plugin-ui");
        servlet.put("osgi.http.whiteboard.servlet.pattern", "/plugin-ui/*");
        registrations = List.of(context.registerService(UiContributionsResource.class, new UiContributionsResource(this), resource),
                context.registerService(Servlet.class, new ModuleServlet(), servlet),
                context.registerService(org.osgi.service.event.EventHandler.class, event -> {
                    if (event.getProperty(ApiWhiteboard.REBUILT_AS_OF) instanceof Long asOf) {
                        boolean pending = addedAt.values().stream().anyMatch(t -> t > apiRebuiltAsOf && t <= asOf);
                        apiRebuiltAsOf = Math.max(apiRebuiltAsOf, asOf);
                        if (pending) {
                            changed();
                        }
                    }
                }, rebuilt));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeContribution")
    void addContribution(ServiceReference<UiContribution> ref) {
        String plugin = ref.getBundle().getSymbolicName();
        String id = String.valueOf(ref.getProperty(UiContribution.ID));
        String placement = String.valueOf(ref.getProperty(UiContribution.PLACEMENT));
        String module = String.valueOf(ref.getProperty(UiContribution.MODULE));
        Object label = ref.getProperty(UiContribution.LABEL);
        Object permission = ref.getProperty(UiContribution.PERMISSION);
        if (!ID.matcher(id).matches() || !List.of(UiContribution.ADMIN, UiContribution.PORTAL, UiContribution.VE_TAB, UiContribution.VE_LIST).contains(placement)
                || label == null || !module.matches("[A-Za-z0-9_-][A-Za-z0-9._/-]*\\.js") || module.contains("..")) {
            LOG.error("UI contribution ignored plugin={} id={} placement={} module={}: it needs an id (a-z, 0-9, -), a placement (admin,"
                    + " portal or ve-tab), a label and a .js module under ui/", plugin, id, placement, module);
            return;
        }
        if (ref.getBundle().getEntry("ui/" + module) == null) {
            LOG.error("UI contribution ignored plugin={} id={}: its bundle has no ui/{}", plugin, id, module);
            return;
        }
        addedAt.put(ref, System.nanoTime());
        for (long wait : new long[] {SHOW_ANYWAY, SHOW_WITHOUT_REBUILD}) {
            timer.schedule(() -> announceIfShownLate(ref, wait), wait + 100_000_000L, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        contributions.put(ref, new ContributionView(plugin, id, placement, String.valueOf(label), permission == null ? null : String.valueOf(permission),
                "/plugin-ui/" + plugin + "/" + module + "?v=" + ref.getBundle().getLastModified()));
        LOG.info("UI contribution added plugin={} id={} placement={}", plugin, id, placement);
    }

    void removeContribution(ServiceReference<UiContribution> ref) {
        addedAt.remove(ref);
        if (contributions.remove(ref) != null) {
            changed();
        }
    }

    /**
     * Announces a contribution that its waiting time ({@code waited}, if that is the one {@link #waitFor} gives it)
     * has just shown, unless a rebuild showed it first (and announced it). Nothing else: every announcement makes
     * open pages fetch the contributions again, and one that changed nothing closed the plugin tab a user had open on
     * a VE's page (seen 30 s after every start, in BackupsIT).
     */
    private void announceIfShownLate(ServiceReference<UiContribution> ref, long waited) {
        Long added = addedAt.get(ref);
        if (added != null && added > apiRebuiltAsOf && contributions.containsKey(ref) && waitFor(ref) == waited) {
            changed();
        }
    }

    private void changed() {
        EventAdmin admin = events;
        if (admin != null) {
            admin.postEvent(new Event(TOPIC, Map.of()));
        }
    }

    /** What the caller may see, of one placement (all when null), by label. */
    List<ContributionView> visibleTo(Caller caller, String placement) {
        long now = System.nanoTime();
        return contributions.entrySet().stream()
                .filter(e -> shown(e.getKey(), now)).map(Map.Entry::getValue)
                .filter(c -> placement == null || placement.equals(c.placement()))
                .filter(c -> c.permission() == null || caller.may(c.permission()))
                .sorted(Comparator.comparing(ContributionView::label).thenComparing(ContributionView::plugin)).toList();
    }

    private boolean shown(ServiceReference<UiContribution> ref, long now) {
        Long added = addedAt.get(ref);
        if (added == null || added <= apiRebuiltAsOf) {
            return true;
        }
        return now - added >= waitFor(ref);
    }

    /** How long a contribution no rebuild has shown waits before it is shown anyway. */
    private static long waitFor(ServiceReference<UiContribution> ref) {
        return servesApi(ref.getBundle()) ? SHOW_WITHOUT_REBUILD : SHOW_ANYWAY;
    }

    /** Whether the bundle has REST resources of its own, which join the API at its next rebuild. */
    private static boolean servesApi(Bundle bundle) {
        ServiceReference<?>[] registered;
        try {
            registered = bundle == null ? null : bundle.getRegisteredServices();
        } catch (IllegalStateException uninstalled) {
            return false;
        }
        if (registered != null) {
            for (ServiceReference<?> service : registered) {
                if (service.getProperty(ApiWhiteboard.RESOURCE) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The plugin bundle that contributes UI under this symbolic name, if any: only those serve files. */
    private Bundle contributor(String plugin) {
        return contributions.keySet().stream().map(ServiceReference::getBundle).filter(b -> b != null && plugin.equals(b.getSymbolicName()))
                .findFirst().orElse(null);
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // gone with the framework
            }
        }
    }

    /** Serves {@code /plugin-ui/<plugin>/<file>} from the {@code ui/} folder of a bundle that contributes UI. */
    private final class ModuleServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getPathInfo() == null ? "" : request.getPathInfo();
            int slash = path.indexOf('/', 1);
            if (slash < 0) {
                UiServlet.serve(response, "/", p -> null);
                return;
            }
            Bundle bundle = contributor(path.substring(1, slash));
            UiServlet.serve(response, path.substring(slash), p -> bundle == null ? null : bundle.getEntry("ui" + p));
        }
    }
}
