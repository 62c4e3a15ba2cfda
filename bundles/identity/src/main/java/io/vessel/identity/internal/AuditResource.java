package io.vessel.identity.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.identity.api.Tenant;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/v1/audit}: every state-changing request and login, newest first, filtered by actor, action,
 * target, category, status and time. Callers see the events of their tenant and of those below it; the provider's
 * also include failed logins of unknown usernames.
 */
@Component(service = AuditResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("audit")
@Produces(MediaType.APPLICATION_JSON)
public final class AuditResource {

    private final AuditLog audit;
    private final Tenancy tenancy;

    @Activate
    public AuditResource(@Reference AuditLog audit, @Reference Tenancy tenancy) {
        this.audit = audit;
        this.tenancy = tenancy;
    }

    @GET
    @RequiresPermission(Permissions.AUDIT_READ)
    public List<AuditLog.Event> queryAudit(@QueryParam("actor") String actor, @QueryParam("action") String action,
                                           @QueryParam("target") String target, @QueryParam("category") String category,
                                           @QueryParam("status") Integer status, @QueryParam("from") String from, @QueryParam("to") String to,
                                           @QueryParam("limit") @DefaultValue("100") int limit, @Context SecurityContext security) {
        if (limit < 1 || limit > 1000) {
            throw ProblemException.invalid("limit must be between 1 and 1000.", List.of(new Problem.FieldError("limit", "between 1 and 1000")));
        }
        for (String[] text : new String[][] {{"actor", actor}, {"action", action}, {"target", target}, {"category", category}}) {
            if (text[1] != null && text[1].length() > 300) {
                throw ProblemException.invalid(text[0] + " is too long.", List.of(new Problem.FieldError(text[0], "at most 300 characters")));
            }
        }
        AuthenticatedCaller caller = MeResource.caller(security);
        List<UUID> visible = caller.providerScope() ? null : tenancy.subtree(caller.tenant()).stream().map(Tenant::id).toList();
        return audit.query(new AuditLog.Query(actor, action, target, category, status, instant(from, "from"), instant(to, "to"), limit), visible);
    }

    private static Instant instant(String text, String field) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field + " must be an ISO-8601 instant such as 2026-11-25T10:00:00Z.",
                    List.of(new Problem.FieldError(field, "ISO-8601 instant")));
        }
    }
}
