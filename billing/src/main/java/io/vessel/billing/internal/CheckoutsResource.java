package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Paying through a payment gateway plugin: {@code POST /api/v1/billing/checkouts} starts a payment of an invoice, of
 * everything due, or a top-up, and answers where to send the customer (the gateway's hosted page); the gateway's
 * webhook ends it, and {@code GET /api/v1/billing/checkouts/{id}} shows how it stands.
 */
@Component(service = {CheckoutsResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + CheckoutsResource.KIND})
@Path("billing/checkouts")
@Produces(MediaType.APPLICATION_JSON)
public final class CheckoutsResource implements ObjectOwnership {

    static final String KIND = "billing-checkout";

    /** Body of {@code POST}: whose account, which gateway, and what (an invoice, an amount, or else everything due). */
    public record CheckoutRequest(String account, String gateway, String invoice, String amount, String returnUrl) {
    }

    private final PaymentGateways gateways;

    @Activate
    public CheckoutsResource(@Reference PaymentGateways gateways) {
        this.gateways = gateways;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.BILLING_PAY)
    public Response startCheckout(CheckoutRequest body, @Context SecurityContext security, @Context UriInfo uri) {
        CheckoutRequest r = body == null ? new CheckoutRequest(null, null, null, null, null) : body;
        UUID account = uuid(r.account(), "account");
        if (!Caller.of(security).sees(account.toString())) {
            throw ProblemException.notFound("Tenant " + account + " has no billing account yet (it is made with its first subscription, or by PUT).");
        }
        BigDecimal amount = Amounts.parse(r.amount());
        if (amount != null && amount.signum() <= 0) {
            throw PlansResource.unprocessable("The amount must be more than 0.", List.of(new Problem.FieldError("amount", "more than 0")));
        }
        URI returnUrl = null;
        if (r.returnUrl() != null) {
            returnUrl = uri.getBaseUri().resolve(r.returnUrl());
            if (!returnUrl.getHost().equalsIgnoreCase(uri.getBaseUri().getHost())) {
                // an open redirect through the gateway's page would lend the panel's name to a phishing site
                throw PlansResource.unprocessable("returnUrl must lead back to this panel.", List.of(new Problem.FieldError("returnUrl", "this panel's")));
            }
        }
        if (r.gateway() == null || r.gateway().isBlank()) {
            throw PlansResource.unprocessable("Name the payment gateway.", List.of(new Problem.FieldError("gateway", "required")));
        }
        URI webhook = uri.getBaseUri().resolve("billing/gateways/" + r.gateway().strip() + "/webhook");
        PaymentGateways.CheckoutView view = gateways.checkout(account, r.gateway().strip(), r.invoice() == null ? null : uuid(r.invoice(), "invoice"),
                amount, webhook, returnUrl);
        return Response.created(URI.create("/api/v1/billing/checkouts/" + view.id())).entity(view).build();
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.BILLING_PAY, object = KIND)
    public PaymentGateways.CheckoutView getCheckout(@PathParam("id") String id) {
        return gateways.find(UUID.fromString(id)).orElseThrow(() -> ProblemException.notFound("No checkout " + id + "."));
    }

    @Override
    public Optional<String> ownerOf(String id) {
        try {
            return gateways.tenantOf(UUID.fromString(id)).map(UUID::toString);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static UUID uuid(String value, String field) {
        try {
            return UUID.fromString(value == null ? "" : value.strip());
        } catch (IllegalArgumentException e) {
            throw PlansResource.unprocessable(field + " is not an id.", List.of(new Problem.FieldError(field, "an id")));
        }
    }
}
