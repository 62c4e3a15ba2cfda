package io.vessel.api.platform;

/**
 * One component's view of its own health, shown by {@code GET /api/v1/health}.
 * Register implementations as OSGi services; the service property {@value #NAME_PROPERTY} names the check.
 */
public interface HealthCheck {

    /** Service property that names the check, e.g. {@code database} or {@code kernel}. */
    String NAME_PROPERTY = "vessel.health.name";

    /** Must be cheap (milliseconds): health is polled by load balancers and monitoring. */
    HealthReport check();
}
