package io.vessel.billing.internal;

import io.vessel.billing.api.Meters;
import io.vessel.billing.api.PluginMeter;
import io.vessel.billing.api.UsageEvent;
import io.vessel.billing.api.UsageRecorder;
import io.vessel.persistence.api.Database;
import jakarta.persistence.PersistenceException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters plugins add, and the recorder of their usage events. A meter's name, description and aggregation are
 * copied when it registers, so billing never calls plugin code while rating; a meter stays known until the panel
 * stops (its plugin may be upgraded meanwhile), and periods not rated while it is unknown are rated when it returns.
 */
@Component(service = {PluginMeters.class, UsageRecorder.class})
public final class PluginMeters implements UsageRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(PluginMeters.class);

    /** What billing keeps of a plugin meter. */
    record Info(String name, String description, PluginMeter.Aggregation aggregation) {
    }

    private final Map<String, Info> meters = new ConcurrentHashMap<>();
    private final Database database;
    private final BillingClock clock;

    @Activate
    public PluginMeters(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                        @Reference BillingClock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMeter(PluginMeter meter) {
        String name = meter.name();
        if (name == null || !name.matches("[a-z0-9][a-z0-9.-]{0,63}") || Meters.BUILT_IN.contains(name) || meter.aggregation() == null) {
            LOG.warn("Plugin meter ignored: its name must be lower-case letters, digits, dots and dashes, not a built-in meter's, with an aggregation"
                    + " name={}", name);
            return;
        }
        String description = meter.description() == null || meter.description().isBlank() ? name : meter.description().strip();
        meters.put(name, new Info(name, description.substring(0, Math.min(120, description.length())), meter.aggregation()));
        LOG.info("Plugin meter available meter={} aggregation={}", name, meter.aggregation());
    }

    void removeMeter(PluginMeter meter) {
        // kept: plans charge for it and its events wait to be rated (see the class comment)
    }

    /** The plugin meters known now. */
    Map<String, Info> known() {
        return Map.copyOf(meters);
    }

    /** Every meter a plan may charge for: the built-in ones and the plugins'. */
    Set<String> chargeable() {
        Set<String> all = new TreeSet<>(Meters.BUILT_IN);
        all.addAll(meters.keySet());
        return all;
    }

    @Override
    public void record(UsageEvent event) {
        Info meter = event == null || event.meter() == null ? null : meters.get(event.meter());
        if (meter == null) {
            throw new IllegalArgumentException("unknown meter " + (event == null ? null : event.meter()) + ": register it as a PluginMeter first");
        }
        if (event.key() == null || event.key().isBlank() || event.key().length() > 200 || event.tenant() == null || event.at() == null) {
            throw new IllegalArgumentException("a usage event needs a key (at most 200 characters), a tenant and a time");
        }
        boolean counted = meter.aggregation() == PluginMeter.Aggregation.COUNT_UNIQUE;
        if (counted ? event.unique() == null || event.unique().length() > 200 : event.value() == null || event.value().signum() < 0) {
            throw new IllegalArgumentException(counted ? "a " + meter.name() + " event names what it counts (unique, at most 200 characters)"
                    : "a " + meter.name() + " event needs a value of 0 or more");
        }
        if (event.value() != null && (event.value().scale() > 9 || event.value().precision() - event.value().scale() > 21)) {
            throw new IllegalArgumentException("the value has at most 9 decimals and 21 digits before the point");
        }
        try {
            database.inTransaction(em -> {
                AccountEntity account = em.find(AccountEntity.class, event.tenant());
                if (account != null && AccountsResource.calendar(account).containing(event.at(), io.vessel.billing.api.BillingPeriod.MONTH).end()
                        .isBefore(clock.instant().minus(Duration.ofDays(CORRECTION_WINDOW_DAYS)))) {
                    throw new IllegalArgumentException("the event's billing period ended more than " + CORRECTION_WINDOW_DAYS
                            + " days ago: it is closed for corrections");
                }
                boolean seen = !em.createQuery("select e.id from BillingUsageEvent e where e.meter = :m and e.key = :k", java.util.UUID.class)
                        .setParameter("m", meter.name()).setParameter("k", event.key()).getResultList().isEmpty();
                if (!seen) {
                    em.persist(new UsageEventEntity(meter.name(), event.key(), event.tenant(), event.ve(), event.at(), event.value(), event.unique(),
                            clock.instant()));
                }
                return null;
            });
        } catch (PersistenceException raced) {
            // the same key recorded at the same moment by another call: the unique index kept one of them
            LOG.debug("Usage event recorded concurrently meter={} key={}", meter.name(), event.key());
        }
    }
}
