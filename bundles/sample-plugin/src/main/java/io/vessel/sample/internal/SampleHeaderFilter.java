package io.vessel.sample.internal;

import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import org.osgi.service.component.annotations.Component;

/** A JAX-RS filter contributed as a whiteboard extension: marks every API response while the plugin is installed. */
@Component(service = SampleHeaderFilter.class, property = ApiWhiteboard.EXTENSION + "=true")
public final class SampleHeaderFilter implements ContainerResponseFilter {

    static final String HEADER = "X-Vessel-Sample-Plugin";

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        response.getHeaders().putSingle(HEADER, "active");
    }
}
