package io.vessel.billing.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.PublicEndpoint;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.PaymentGateway;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The installed payment gateways ({@code GET /api/v1/billing/gateways}), and their webhooks: public (the gateway's
 * servers call them), so the gateway plugin checks each call's signature before anything is believed.
 */
@Component(service = GatewaysResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("billing/gateways")
@Produces(MediaType.APPLICATION_JSON)
public final class GatewaysResource {

    /** The answer to a webhook call: how many events in it were new. */
    public record WebhookAnswer(int applied) {
    }

    private static final int MAX_BODY = 256 * 1024;

    private final PaymentGateways gateways;

    @Activate
    public GatewaysResource(@Reference PaymentGateways gateways) {
        this.gateways = gateways;
    }

    @GET
    @RequiresPermission(Permissions.BILLING_ACCOUNT_READ)
    public List<PaymentGateways.GatewayView> listGateways() {
        return gateways.list();
    }

    @POST
    @Path("{gateway}/webhook")
    @Consumes(MediaType.WILDCARD)
    @PublicEndpoint
    public WebhookAnswer gatewayWebhook(@PathParam("gateway") String gateway, byte[] body, @Context HttpHeaders headers) {
        if (body != null && body.length > MAX_BODY) {
            throw new io.vessel.web.api.ProblemException(413, "too-large", "Webhook call too large", "At most " + MAX_BODY + " bytes.");
        }
        Map<String, List<String>> lowerCase = new HashMap<>();
        headers.getRequestHeaders().forEach((name, values) -> lowerCase.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return new WebhookAnswer(gateways.webhook(gateway, new PaymentGateway.WebhookCall(Map.copyOf(lowerCase), body == null ? new byte[0] : body)));
    }
}
