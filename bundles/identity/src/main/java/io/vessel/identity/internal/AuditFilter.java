package io.vessel.identity.internal;

import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;

/**
 * Writes one audit event per state-changing request by an authenticated caller, after the answer is known: who
 * (and which admin, when impersonating), what, the path, the source address, the status and, for refusals, why.
 * Anonymous requests are not written (logins are, by the login itself): strangers must not be able to fill the log.
 */
final class AuditFilter implements ContainerResponseFilter {

    private final AuditLog audit;
    private final String action;

    AuditFilter(AuditLog audit, String action) {
        this.audit = audit;
        this.action = action;
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getSecurityContext() == null || !(request.getSecurityContext().getUserPrincipal() instanceof AuthenticatedCaller caller)) {
            return;
        }
        Object address = request.getProperty(ApiWhiteboard.CLIENT_ADDRESS);
        String detail = response.getEntity() instanceof Problem problem ? problem.detail() : null;
        audit.record(new AuditLog.Entry(Tenancy.now(), AuditLog.CHANGE, action, caller.account(), caller.username(),
                caller.impersonator().orElse(null), caller.tenant(), null, request.getUriInfo().getPath(),
                address == null ? null : address.toString(), response.getStatus(), detail));
    }
}
