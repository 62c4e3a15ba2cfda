package io.vessel.billing.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time billing runs on. It is the system clock; with {@code billing.test.clock = true} in vessel.conf (tests and
 * demos only) it can be moved forward through {@code POST /api/v1/billing/clock}, so months of billing run in
 * seconds against the real panel. It never moves backwards: invoices already made stay in the past.
 */
@Component(service = BillingClock.class, configurationPid = BillingClock.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = BillingClock.Config.class)
public final class BillingClock extends Clock {

    static final String PID = "io.vessel.billing";
    private static final Logger LOG = LoggerFactory.getLogger(BillingClock.class);

    /** {@code billing.*} in vessel.conf. */
    @ObjectClassDefinition(name = "Vessel billing")
    public @interface Config {
        @AttributeDefinition(description = "Let provider admins move billing's clock forward (tests and demos only)")
        boolean test_clock() default false;

        @AttributeDefinition(description = "Invoice numbers: {YYYY} the year, {NUMBER} or {NUMBER:6} (zero-padded) the sequence")
        String invoice_number_format() default "{YYYY}-{NUMBER:6}";

        @AttributeDefinition(description = "Credit note numbers, their own series")
        String credit_note_number_format() default "CN-{YYYY}-{NUMBER:6}";

        @AttributeDefinition(description = "Whether numbering starts again at 1 each year")
        boolean number_yearly() default true;

        @AttributeDefinition(description = "Days until an invoice is due")
        int invoice_due_days() default 14;

        @AttributeDefinition(description = "Dunning steps: days after the oldest overdue invoice fell due, and what happens (remind, suspend, terminate)")
        String dunning_steps() default "0 remind, 3 remind, 7 suspend, 30 terminate";

        @AttributeDefinition(description = "Whether terminating destroys the customer's VEs (otherwise they stay stopped)")
        boolean dunning_terminate_destroys() default false;

        @AttributeDefinition(description = "Accounts a billing run bills in one transaction", min = "1", max = "5000")
        int run_chunk() default 500;

        @AttributeDefinition(description = "Render each new document's PDF and mail it in the background soon after issue (false: on first download, never mailed)")
        boolean documents_background() default true;
    }

    private final boolean movable;
    private volatile Duration offset = Duration.ZERO;

    @Activate
    public BillingClock(Config config) {
        this.movable = config.test_clock();
        if (movable) {
            LOG.warn("Billing test clock is on (billing.test.clock = true): provider admins can move billing's time forward. Never in production.");
        }
    }

    boolean movable() {
        return movable;
    }

    /** Moves the clock forward to {@code target}; false when it is not movable or {@code target} lies in its past. */
    synchronized boolean moveTo(Instant target) {
        Instant now = instant();
        if (!movable || target.isBefore(now)) {
            return false;
        }
        offset = offset.plus(Duration.between(now, target));
        LOG.info("Billing clock moved now={} offset={}", target, offset);
        return true;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.offset(Clock.system(zone), offset);
    }
}
