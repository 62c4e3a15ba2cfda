package io.vessel.billing.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.PublicEndpoint;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.PaymentGateway;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.api.security.Caller;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.SecurityContext;
import java.util.UUID;
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

    /**
     * The gateway's webhook; {@code seller}: the call is about payments into that seller's own account at the gateway
     * (the checkout gave the gateway this URL), and is verified with that seller's credentials.
     */
    @POST
    @Path("{gateway}/webhook")
    @Consumes(MediaType.WILDCARD)
    @PublicEndpoint
    public WebhookAnswer gatewayWebhook(@PathParam("gateway") String gateway, @QueryParam("seller") String seller, byte[] body,
                                        @Context HttpHeaders headers) {
        if (body != null && body.length > MAX_BODY) {
            throw new io.vessel.web.api.ProblemException(413, "too-large", "Webhook call too large", "At most " + MAX_BODY + " bytes.");
        }
        UUID sellerId = null;
        if (seller != null) {
            try {
                sellerId = UUID.fromString(seller);
            } catch (IllegalArgumentException e) {
                throw new io.vessel.web.api.ProblemException(400, "invalid-signature", "Invalid signature", "The call is not signed by " + gateway + ".");
            }
        }
        Map<String, List<String>> lowerCase = new HashMap<>();
        headers.getRequestHeaders().forEach((name, values) -> lowerCase.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return new WebhookAnswer(gateways.webhook(gateway, sellerId, Map.copyOf(lowerCase), body == null ? new byte[0] : body));
    }

    /** The caller's own (its tenant's, as a seller) credentials at a gateway: which it takes, which are set; secrets never shown. */
    @GET
    @Path("{gateway}/credentials")
    @RequiresPermission(PlansResource.MANAGE)
    public PaymentGateways.CredentialsView getGatewayCredentials(@PathParam("gateway") String gateway, @Context SecurityContext security) {
        return gateways.credentialsView(UUID.fromString(Caller.of(security).tenantId()), gateway);
    }

    /**
     * Sets the caller's own credentials at a gateway (all of them at once): its customers then pay into its own account
     * there, and their payments' webhooks are verified with them.
     */
    @PUT
    @Path("{gateway}/credentials")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(PlansResource.MANAGE)
    public PaymentGateways.CredentialsView putGatewayCredentials(@PathParam("gateway") String gateway, Map<String, String> body,
                                                                @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return gateways.putCredentials(UUID.fromString(caller.tenantId()), gateway, body == null ? Map.of() : body, caller.getName());
    }

    /** Removes the caller's own credentials at a gateway: its customers' next payments go to the provider's account. */
    @DELETE
    @Path("{gateway}/credentials")
    @RequiresPermission(PlansResource.MANAGE)
    public PaymentGateways.CredentialsView deleteGatewayCredentials(@PathParam("gateway") String gateway, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return gateways.putCredentials(UUID.fromString(caller.tenantId()), gateway, null, caller.getName());
    }
}
