package io.vessel.api.platform;

/**
 * Marker service registered once the panel serves requests: HTTP is up and the database is migrated.
 * The launcher waits for it before printing the URL.
 */
public interface PanelReady {

    /** Base URL of the panel as seen from this host, e.g. {@code http://127.0.0.1:8080}. */
    String baseUrl();
}
