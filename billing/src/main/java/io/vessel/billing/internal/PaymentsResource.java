package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.Database;
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
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * One payment ({@code GET /api/v1/billing/payments/{id}}) and the money given back from it: refunds by the seller's
 * administrators ({@code POST …/refunds}, through the gateway it came by, or recorded when the money went back by
 * bank transfer) and chargebacks the gateway reported.
 */
@Component(service = {PaymentsResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + PaymentsResource.KIND})
@Path("billing/payments")
@Produces(MediaType.APPLICATION_JSON)
public final class PaymentsResource implements ObjectOwnership {

    static final String KIND = "billing-payment";

    /** Body of a refund: how much and why (the reason reaches the gateway and the customer's records). */
    public record RefundRequest(String amount, String reason) {
    }

    private final Database database;
    private final PaymentGateways gateways;
    private final io.vessel.identity.api.IdentityService identity;

    @Activate
    public PaymentsResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                            @Reference PaymentGateways gateways, @Reference io.vessel.identity.api.IdentityService identity) {
        this.database = database;
        this.gateways = gateways;
        this.identity = identity;
    }

    /** The payments the caller sees that were received in a period, as CSV for the accountant. */
    @GET
    @Path("export")
    @Produces({CsvExport.MEDIA_TYPE, "application/problem+json"})
    @RequiresPermission(Permissions.BILLING_ACCOUNT_READ)
    public Response exportPayments(@jakarta.ws.rs.QueryParam("from") String from, @jakarta.ws.rs.QueryParam("to") String to,
                                   @jakarta.ws.rs.QueryParam("timeZone") String timeZone,
                                   @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        CsvExport.Period period = CsvExport.Period.of(from, to, timeZone);
        List<List<Object>> rows = database.inTransaction(em -> em.createQuery(
                        "select p from BillingPayment p where p.receivedAt >= :f and p.receivedAt < :t order by p.receivedAt", PaymentEntity.class)
                .setParameter("f", period.from()).setParameter("t", period.to()).getResultList().stream()
                .filter(p -> caller.sees(p.tenantId.toString()))
                .map(p -> java.util.Arrays.<Object>asList(p.id.toString(), p.receivedAt.toString(), p.tenantId.toString(),
                        CsvExport.text(AccountsResource.customerName(em.find(AccountEntity.class, p.tenantId), identity, p.tenantId)), Amounts.of(p.amount, p.currency), p.currency, CsvExport.text(p.method),
                        CsvExport.text(p.reference), Amounts.of(p.toBalance, p.currency), Amounts.of(p.refunded, p.currency), CsvExport.text(p.recordedBy)))
                .toList());
        return CsvExport.response(CsvExport.write(List.of("payment_id", "received_at", "customer_id", "customer_name", "amount", "currency", "method",
                "reference", "to_balance", "refunded", "recorded_by"), rows), "payments_" + period.label());
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.BILLING_ACCOUNT_READ, object = KIND)
    public AccountsResource.PaymentView getPayment(@PathParam("id") String id) {
        return database.inTransaction(em -> AccountsResource.paymentView(em, em.find(PaymentEntity.class, UUID.fromString(id))));
    }

    @GET
    @Path("{id}/refunds")
    @RequiresPermission(value = Permissions.BILLING_ACCOUNT_READ, object = KIND)
    public List<PaymentGateways.RefundView> refundsOfPayment(@PathParam("id") String id) {
        return database.inTransaction(em -> em.createQuery("select r from BillingRefund r where r.paymentId = :p order by r.createdAt", RefundEntity.class)
                .setParameter("p", UUID.fromString(id)).getResultList().stream().map(PaymentGateways::view).toList());
    }

    @POST
    @Path("{id}/refunds")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.BILLING_ACCOUNT_MANAGE, object = KIND)
    public Response refundPayment(@PathParam("id") String id, RefundRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID payment = UUID.fromString(id);
        if (ownerOf(id).filter(owner -> owner.equals(caller.tenantId())).isPresent()) {
            // a reseller's own payments go back through its seller, like its invoices
            throw ProblemException.notFound("No payment " + id + ".");
        }
        RefundRequest r = body == null ? new RefundRequest(null, null) : body;
        BigDecimal amount = Amounts.parse(r.amount() == null ? "" : r.amount());
        if (amount.signum() <= 0) {
            throw PlansResource.unprocessable("The amount must be more than 0.", List.of(new Problem.FieldError("amount", "more than 0")));
        }
        String reason = r.reason() == null ? null : r.reason().strip();
        if (reason != null && reason.length() > 500) {
            throw PlansResource.unprocessable("The reason is too long.", List.of(new Problem.FieldError("reason", "at most 500 characters")));
        }
        PaymentGateways.RefundView refund = gateways.refund(payment, amount, reason, caller.getName());
        return Response.created(URI.create("/api/v1/billing/payments/" + id + "/refunds")).entity(refund).build();
    }

    @Override
    public Optional<String> ownerOf(String id) {
        try {
            UUID payment = UUID.fromString(id);
            return database.inTransaction(em -> Optional.ofNullable(em.find(PaymentEntity.class, payment)).map(p -> p.tenantId.toString()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
