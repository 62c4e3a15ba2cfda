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
        // health answers 503 by design while the panel starts or a check is down, to probes polling it many times a
        // second: the log would drown in them (the checks log their own failures)
        boolean quiet = read && (response.getStatus() < 500 || "health".equals(request.getUriInfo().getPath()));
        if (quiet ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            String line = "method={} path=/{} status={} tookUs={} user={}";
            java.security.Principal user = request.getSecurityContext() == null ? null : request.getSecurityContext().getUserPrincipal();
            Object[] args = {method, request.getUriInfo().getPath(), response.getStatus(), micros, user == null ? "-" : user.getName()};
            if (quiet) {
                LOG.debug(line, args);
            } else {
                LOG.info(line, args);
            }
        }
    }
}
