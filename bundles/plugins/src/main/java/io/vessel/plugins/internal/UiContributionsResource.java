package io.vessel.plugins.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;

/** {@code GET /api/v1/ui/contributions?placement=admin}: the plugins' pages the caller may see. */
@Path("ui/contributions")
@Produces(MediaType.APPLICATION_JSON)
public final class UiContributionsResource {

    private final UiContributions contributions;

    UiContributionsResource(UiContributions contributions) {
        this.contributions = contributions;
    }

    @GET
    @RequiresPermission(Permissions.SELF)
    public List<UiContributions.ContributionView> listUiContributions(@QueryParam("placement") String placement, @Context SecurityContext security) {
        return contributions.visibleTo(Caller.of(security), placement);
    }
}
