package io.vessel.billing.internal;

import io.vessel.backup.api.BackupEvents;
import io.vessel.billing.api.PluginMeter;
import io.vessel.billing.api.UsageEvent;
import io.vessel.billing.api.UsageRecorder;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meter {@value #NAME}: the bytes a tenant's backups take (in all its repositories, as restic counts its packs)
 * held over time, in GiB-hours. The backup bundle announces each change ({@link BackupEvents#STORED}); billing
 * records it as a time-weighted reading, so a plan charges for backup storage like for any other meter.
 */
@Component(service = PluginMeter.class)
public final class BackupStorageMeter implements PluginMeter {

    static final String NAME = "backup.storage.gib-hours";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Backup storage (GiB-hours)";
    }

    @Override
    public Aggregation aggregation() {
        return Aggregation.TIME_WEIGHTED_SUM;
    }

    /**
     * Records each announced change as a reading of the meter. A component of its own: the recorder binds every
     * meter, this one included, so a meter that needed the recorder would be a cycle.
     */
    @Component(service = EventHandler.class, property = EventConstants.EVENT_TOPIC + "=" + BackupEvents.STORED)
    public static final class Readings implements EventHandler {

        private static final Logger LOG = LoggerFactory.getLogger(Readings.class);
        private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);

        private final UsageRecorder recorder;

        @Activate
        public Readings(@Reference UsageRecorder recorder) {
            this.recorder = recorder;
        }

        @Override
        public void handleEvent(Event event) {
            try {
                UUID tenant = UUID.fromString(String.valueOf(event.getProperty(BackupEvents.TENANT)));
                long bytes = ((Number) event.getProperty(BackupEvents.BYTES)).longValue();
                long at = ((Number) event.getProperty(BackupEvents.AT)).longValue();
                BigDecimal gib = BigDecimal.valueOf(bytes).divide(GIB, 9, RoundingMode.HALF_UP);
                recorder.record(new UsageEvent(NAME, "backup-storage/" + tenant + "/" + at, tenant, null, Instant.ofEpochMilli(at), gib, null));
            } catch (RuntimeException e) {
                LOG.warn("Backup storage not metered: {}", e.toString());
            }
        }
    }
}
