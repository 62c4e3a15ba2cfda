package io.vessel.billing.internal;

import io.vessel.api.events.LiveVeData;
import io.vessel.api.security.Permissions;
import io.vessel.kernel.api.UsageService;
import io.vessel.persistence.api.Database;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live cost of each VE an open event stream watches, computed again with each of its usage samples (every 10 s)
 * and posted as live data ({@code event: cost} on the stream: the period's cost so far and projected, with its
 * lines), for callers who may read billing accounts. Only watched VEs cost anything: the stream says which
 * ({@link LiveVeData#WATCHED_TOPIC}). The work runs on one thread of its own with a short queue, never on EventAdmin's
 * delivery thread (which blacklists slow handlers); when it falls behind, samples are skipped — the next one carries
 * the same information, newer.
 */
@Component(service = EventHandler.class, property = {EventConstants.EVENT_TOPIC + "=" + UsageService.TOPIC,
        EventConstants.EVENT_TOPIC + "=" + LiveVeData.WATCHED_TOPIC})
public final class LiveCostEvents implements EventHandler {

    private static final Logger LOG = LoggerFactory.getLogger(LiveCostEvents.class);
    static final String TOPIC = LiveVeData.TOPIC_PREFIX + "cost";

    private final Database database;
    private final BillingClock clock;
    private final ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
        Thread t = new Thread(r, "vessel-billing-live-cost");
        t.setDaemon(true);
        return t;
    });
    private volatile Set<Integer> watched = Set.of();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile UsageService usage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    @Activate
    public LiveCostEvents(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                          @Reference BillingClock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public void handleEvent(Event event) {
        if (event.getTopic().equals(LiveVeData.WATCHED_TOPIC)) {
            if (event.getProperty(LiveVeData.VES) instanceof int[] ves) {
                watched = java.util.Arrays.stream(ves).boxed().collect(java.util.stream.Collectors.toUnmodifiableSet());
            }
            return;
        }
        if (event.getProperty(UsageService.VE_ID) instanceof Integer ve && watched.contains(ve)) {
            try {
                worker.execute(() -> publish(ve));
            } catch (RejectedExecutionException behind) {
                LOG.debug("Live cost skipped a sample, the worker is behind ve={}", ve);
            }
        }
    }

    private void publish(int ve) {
        EventAdmin admin = events;
        if (admin == null) {
            return;
        }
        try {
            Optional<LiveCost.Cost> cost = database.inTransaction(em -> LiveCost.ofVe(em, ve, usage, clock.instant()));
            cost.ifPresent(c -> admin.postEvent(new Event(TOPIC, properties(ve, c))));
        } catch (RuntimeException e) {
            LOG.warn("Live cost of a VE could not be computed ve={}: {}", ve, e.toString());
        }
    }

    private static Map<String, Object> properties(int ve, LiveCost.Cost cost) {
        Map<String, Object> p = new HashMap<>();
        p.put(LiveVeData.VE_ID, ve);
        p.put(LiveVeData.PERMISSION, Permissions.BILLING_ACCOUNT_READ);
        p.put("tenant", cost.tenant().toString());
        p.put("currency", cost.currency());
        p.put("periodStart", cost.periodStart().toString());
        p.put("periodEnd", cost.periodEnd().toString());
        p.put("at", cost.at().toString());
        p.put("soFar", cost.soFar());
        p.put("projected", cost.projected());
        List<Map<String, Object>> lines = cost.lines().stream().map(l -> {
            Map<String, Object> line = new HashMap<>();
            line.put("kind", l.kind());
            line.put("description", l.description());
            line.put("soFar", l.soFar());
            line.put("projected", l.projected());
            if (l.meter() != null) {
                line.put("meter", l.meter());
                line.put("used", l.used());
                line.put("included", l.included());
            }
            return line;
        }).toList();
        p.put("lines", lines);
        return p;
    }

    @Deactivate
    void deactivate() {
        worker.shutdownNow();
    }
}
