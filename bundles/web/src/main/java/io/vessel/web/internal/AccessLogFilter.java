package io.vessel.web.internal;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One structured line per API request: method, path, status, duration. State changes at INFO, reads at DEBUG. */
final class AccessLogFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final Logger LOG = LoggerFactory.getLogger("io.vessel.web.access");
    private static final String STARTED = AccessLogFilter.class.getName() + ".started";

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(STARTED, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object started = request.getProperty(STARTED);
        long micros = started instanceof Long s ? (System.nanoTime() - s) / 1000 : -1;
        String method = request.getMethod();
        boolean read = "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
        if (read && response.getStatus() < 500 ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            String line = "method={} path=/{} status={} tookUs={} user={}";
            java.security.Principal user = request.getSecurityContext() == null ? null : request.getSecurityContext().getUserPrincipal();
            Object[] args = {method, request.getUriInfo().getPath(), response.getStatus(), micros, user == null ? "-" : user.getName()};
            if (read && response.getStatus() < 500) {
                LOG.debug(line, args);
            } else {
                LOG.info(line, args);
            }
        }
    }
}
