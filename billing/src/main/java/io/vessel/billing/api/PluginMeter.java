package io.vessel.billing.api;

/**
 * A meter a plugin adds, registered as an OSGi service; plans may then charge for it like for the built-in ones, and
 * the plugin reports its usage through {@link UsageRecorder}. Billing rates each complete billing period of a
 * subscription once, by the meter's {@link Aggregation}, and bills usage that arrives late for a rated period (within
 * {@link UsageRecorder#CORRECTION_WINDOW_DAYS} days of its end) as a correction line on the next invoice.
 */
public interface PluginMeter {

    /** The meter's name in plans: lower-case letters, digits, dots and dashes, e.g. {@code backup.storage.gib-months}. */
    String name();

    /** What an invoice line says, e.g. "Backup storage (GiB-months)". */
    String description();

    Aggregation aggregation();

    /** How a period's events become its quantity. */
    enum Aggregation {
        /** The sum of the events' values (requests served, messages sent). */
        SUM,
        /** The largest value reported in the period (peak concurrent users). */
        MAX,
        /** The last value reported in the period (seats at the period's end). */
        LATEST,
        /**
         * Each value holds from its event until the next (per VE), and the period's quantity is value × hours
         * (GiB stored → GiB-hours); the value from before the period carries into it.
         */
        TIME_WEIGHTED_SUM,
        /** How many distinct {@link UsageEvent#unique()} values the period saw (active users, domains). */
        COUNT_UNIQUE
    }
}
