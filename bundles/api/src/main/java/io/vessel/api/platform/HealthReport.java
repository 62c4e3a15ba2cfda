package io.vessel.api.platform;

import java.util.Map;

/**
 * Result of a {@link HealthCheck}.
 *
 * @param status  overall state of the component
 * @param summary one human sentence, e.g. "PostgreSQL 15.19 answered in 2 ms"
 * @param details facts worth showing to an operator (versions, sizes, modes); never secrets
 */
public record HealthReport(HealthState status, String summary, Map<String, Object> details) {

    public HealthReport {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static HealthReport up(String summary, Map<String, Object> details) {
        return new HealthReport(HealthState.UP, summary, details);
    }

    public static HealthReport degraded(String summary, Map<String, Object> details) {
        return new HealthReport(HealthState.DEGRADED, summary, details);
    }

    public static HealthReport down(String summary, Map<String, Object> details) {
        return new HealthReport(HealthState.DOWN, summary, details);
    }
}
