package io.vessel.web.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.PanelReady;
import jakarta.servlet.Servlet;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Tells the launcher the panel is up: the REST servlet is registered and the database is migrated (its health
 * check is published only then).
 */
@Component(service = PanelReady.class)
public final class PanelReadiness implements PanelReady {

    private final String baseUrl;

    @Activate
    public PanelReadiness(BundleContext context,
                          @Reference(target = "(" + HealthCheck.NAME_PROPERTY + "=database)") HealthCheck database,
                          @Reference(target = "(vessel.api=true)") Servlet api) {
        String port = context.getProperty("org.osgi.service.http.port");
        this.baseUrl = "http://localhost:" + (port == null ? "8080" : port);
    }

    @Override
    public String baseUrl() {
        return baseUrl;
    }
}
