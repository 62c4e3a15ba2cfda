package io.vessel.identity.internal;

import io.vessel.api.events.LiveVeData;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventHandler;

/**
 * {@code GET /api/v1/events}: server-sent events of what changes, filtered to what the caller may see: VE state
 * changes ({@code event: ve}, needs {@code ve.read}) and operation progress ({@code event: operation}, needs
 * {@code operation.read}), each only for objects of the caller's part of the tenancy tree. With
 * {@code ?ve=101&ve=102} the stream also carries those VEs' usage samples ({@code event: usage}) for live graphs, and
 * the live data other bundles derive for watched VEs ({@link LiveVeData}: e.g. {@code event: cost} from billing).
 * A comment line every 15 seconds keeps proxies from closing the stream and finds clients that went away.
 */
@Component(service = {EventsResource.class, EventHandler.class},
        property = {ApiWhiteboard.RESOURCE + "=true", EventConstants.EVENT_TOPIC + "=io/vessel/*"})
@Path("events")
public final class EventsResource implements EventHandler {

    private static final String VE_TOPIC = "io/vessel/kernel/ve/";
    private static final String USAGE_TOPIC = "io/vessel/kernel/usage/SAMPLE";
    private static final String OPERATION_TOPIC = "io/vessel/operations/";
    /** Plugins' pages came or went: every open page refetches its menu. */
    private static final String UI_TOPIC = "io/vessel/ui/CHANGED";
    /** A plugin was installed, started, failed, disabled, removed: for the provider's Plugins page. */
    private static final String PLUGIN_TOPIC = "io/vessel/plugins/";

    /** One open stream. */
    private record Subscriber(SseEventSink sink, Sse sse, AuthenticatedCaller caller, Set<Integer> usageOf) {
    }

    private final AccessControl access;
    private final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-events-heartbeat");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public EventsResource(@Reference AccessControl access) {
        this.access = access;
        heartbeat.scheduleAtFixedRate(this::beat, 15, 15, TimeUnit.SECONDS);
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RequiresPermission(Permissions.SELF)
    public void streamEvents(@QueryParam("ve") List<String> usageOf, @Context SseEventSink sink, @Context Sse sse,
                             @Context SecurityContext security) {
        if (ready == null) {
            // A page whose stream opens again refetches what it shows: before every component serves, some of that
            // would answer "not here yet". Refused, the browser opens the stream again a moment later.
            throw ProblemException.starting("The panel is starting; the event stream opens once every component serves.");
        }
        AuthenticatedCaller caller = MeResource.caller(security);
        Set<Integer> ves = new HashSet<>();
        for (String id : usageOf == null ? List.<String>of() : usageOf) {
            if (ves.size() >= 50 || !visibleVe(caller, id)) {
                throw ProblemException.invalid("ve: name up to 50 of your VEs by id.", List.of(new Problem.FieldError("ve", "unknown VE " + id)));
            }
            ves.add(Integer.parseInt(id));
        }
        Subscriber subscriber = new Subscriber(sink, sse, caller, Set.copyOf(ves));
        subscribers.add(subscriber);
        send(subscriber, "ready", Map.of("user", caller.username()));
        if (!ves.isEmpty()) {
            announceWatched();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.platform.PanelReady ready;

    /** What the open streams watch now, for the bundles that derive live data from those VEs' samples. */
    private final java.util.concurrent.atomic.AtomicReference<Set<Integer>> announced = new java.util.concurrent.atomic.AtomicReference<>(Set.of());

    /** Tells the bundles which VEs are watched when that changed, or always ({@code again}: the heartbeat's reminder). */
    private void announceWatched(boolean again) {
        Set<Integer> watched = new java.util.TreeSet<>();
        subscribers.forEach(s -> watched.addAll(s.usageOf()));
        Set<Integer> before = announced.getAndSet(Set.copyOf(watched));
        EventAdmin admin = events;
        if (admin != null && (!before.equals(watched) || again && !watched.isEmpty())) {
            admin.postEvent(new Event(LiveVeData.WATCHED_TOPIC, Map.of(LiveVeData.VES, watched.stream().mapToInt(Integer::intValue).toArray())));
        }
    }

    private void announceWatched() {
        announceWatched(false);
    }

    private boolean visibleVe(AuthenticatedCaller caller, String id) {
        if (!caller.may(Permissions.VE_READ) || id == null || !id.matches("\\d{1,9}")) {
            return false;
        }
        return access.sees(caller, "ve", id);
    }

    @Override
    public void handleEvent(Event event) {
        if (subscribers.isEmpty()) {
            return;
        }
        String topic = event.getTopic();
        Object owner = event.getProperty("owner");
        if (topic.startsWith(VE_TOPIC)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", event.getProperty("ve.id"));
            data.put("state", event.getProperty("state"));
            deliver("ve", data, Permissions.VE_READ, owner == null ? null : owner.toString());
        } else if (topic.startsWith(OPERATION_TOPIC)) {
            Map<String, Object> data = new LinkedHashMap<>();
            for (String name : new String[] {"id", "kind", "target", "state", "progress", "message", "result", "error"}) {
                if (event.getProperty(name) != null) {
                    data.put(name, event.getProperty(name));
                }
            }
            deliver("operation", data, Permissions.OPERATION_READ, owner == null ? null : owner.toString());
        } else if (topic.startsWith(PLUGIN_TOPIC)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("change", topic.substring(PLUGIN_TOPIC.length()));
            data.put("plugin", event.getProperty("plugin"));
            deliver("plugin", data, "plugin.read", null);
        } else if (topic.equals(UI_TOPIC)) {
            subscribers.forEach(s -> send(s, "ui", Map.of()));
        } else if (topic.startsWith(LiveVeData.TOPIC_PREFIX) && event.getProperty(LiveVeData.VE_ID) instanceof Integer ve
                && event.getProperty(LiveVeData.PERMISSION) instanceof String permission) {
            deliverAbout(ve, topic.substring(LiveVeData.TOPIC_PREFIX.length()), veData(event), permission);
        } else if (topic.equals(USAGE_TOPIC) && event.getProperty(LiveVeData.VE_ID) instanceof Integer ve) {
            deliverAbout(ve, "usage", veData(event), Permissions.VE_READ);
        }
    }

    /**
     * Data about one VE (its samples, what bundles derive from them) to the streams that watch it — a stream watches
     * only VEs its caller sees, checked when it opened — whose caller holds {@code permission}.
     */
    private void deliverAbout(int ve, String name, Map<String, Object> data, String permission) {
        subscribers.stream().filter(s -> s.usageOf().contains(ve) && s.caller().may(permission)).forEach(s -> send(s, name, data));
    }

    /** An event's properties as data: the VE as {@code ve}, without the topic and the permission it needs. */
    private static Map<String, Object> veData(Event event) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (String name : event.getPropertyNames()) {
            if (!name.equals(EventConstants.EVENT_TOPIC) && !name.equals(LiveVeData.PERMISSION)) {
                data.put(name.equals(LiveVeData.VE_ID) ? "ve" : name, event.getProperty(name));
            }
        }
        return data;
    }

    private void deliver(String name, Map<String, Object> data, String permission, String owner) {
        for (Subscriber s : subscribers) {
            if (s.caller().may(permission) && s.caller().sees(owner)) {
                send(s, name, data);
            }
        }
    }

    private void send(Subscriber s, String name, Map<String, Object> data) {
        if (s.sink().isClosed()) {
            remove(s);
            return;
        }
        s.sink().send(s.sse().newEventBuilder().name(name).mediaType(MediaType.APPLICATION_JSON_TYPE).data(Map.class, data).build())
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        close(s);
                    }
                });
    }

    private void beat() {
        for (Subscriber s : subscribers) {
            if (s.sink().isClosed()) {
                remove(s);
            } else {
                s.sink().send(s.sse().newEventBuilder().comment("keep-alive").build()).whenComplete((done, failure) -> {
                    if (failure != null) {
                        close(s);
                    }
                });
            }
        }
        announceWatched(true);
    }

    private void remove(Subscriber s) {
        if (subscribers.remove(s) && !s.usageOf().isEmpty()) {
            announceWatched();
        }
    }

    private void close(Subscriber s) {
        remove(s);
        try {
            s.sink().close();
        } catch (RuntimeException alreadyClosed) {
            // the client went away
        }
    }

    int subscriberCount() {
        return subscribers.size();
    }

    @Deactivate
    void deactivate() {
        heartbeat.shutdownNow();
        subscribers.forEach(this::close);
    }
}
