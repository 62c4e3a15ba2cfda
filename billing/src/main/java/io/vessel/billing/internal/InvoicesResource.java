package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/billing/invoices}: the invoices and credit notes issued to an account (read-only: an issued document
 * never changes; corrections are credit notes).
 */
@Component(service = {InvoicesResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + InvoicesResource.KIND})
@Path("billing")
@Produces(MediaType.APPLICATION_JSON)
public final class InvoicesResource implements ObjectOwnership {

    static final String KIND = "invoice";

    /**
     * An issued document; amounts are decimal strings. {@code credits}: for a credit note issued on demand, the invoice
     * it credits. {@code lines} only when one document is asked for.
     */
    public record InvoiceView(UUID id, UUID tenant, String issuer, String kind, String number, String currency, String subtotal, String taxRate,
                              String taxName, String tax, String taxNote, String total, String amountPaid, String amountDue, Instant issuedAt,
                              Instant dueAt, UUID credits, String taxPrepaid, String prepaidLeft, List<LineView> lines) {
    }

    public record LineView(int position, String kind, String description, UUID subscription, String quantity, String unitPrice, String amount,
                           Instant from, Instant to) {
    }

    private final Database database;
    private final BillingRun run;
    private final io.vessel.identity.api.IdentityService identity;
    private final InvoiceDocuments documents;

    @Activate
    public InvoicesResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                            @Reference BillingRun run, @Reference io.vessel.identity.api.IdentityService identity,
                            @Reference InvoiceDocuments documents) {
        this.database = database;
        this.documents = documents;
        this.run = run;
        this.identity = identity;
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile Dunning dunning;

    /** The caller's customers in dunning or with something overdue: step, what is due, the next step and when, paused until. */
    @GET
    @Path("dunning")
    @RequiresPermission(AccountsResource.READ)
    public List<Dunning.Overview> dunningOverview(@Context SecurityContext security) {
        Dunning d = dunning;
        if (d == null) {
            throw new io.vessel.web.api.ProblemException(503, "unavailable", "Dunning unavailable", "Dunning needs the kernel layer, which is not running.");
        }
        return d.overview(AccountsResource.customersOf(Caller.of(security)));
    }

    /** Takes the dunning steps due for the caller's customers now (the scheduled check does it every minute). */
    @POST
    @Path("dunning")
    @RequiresPermission(AccountsResource.MANAGE)
    public List<Dunning.Outcome> runDunning(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        Dunning d = dunning;
        if (d == null) {
            throw new io.vessel.web.api.ProblemException(503, "unavailable", "Dunning unavailable", "Dunning needs the kernel layer, which is not running.");
        }
        Predicate<UUID> customers = AccountsResource.customersOf(caller);
        List<Dunning.Outcome> outcomes = new java.util.ArrayList<>(d.checkAll(customers));
        TrafficPolicies t = traffic;
        if (t != null) {
            outcomes.addAll(t.checkAll(customers));
        }
        return outcomes;
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile TrafficPolicies traffic;

    @GET
    @Path("invoices")
    @RequiresPermission(AccountsResource.READ)
    public List<InvoiceView> listInvoices(@QueryParam("tenant") String tenant, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> {
            Map<UUID, java.math.BigDecimal> prepaid = Prepayments.taxPrepaid(em);
            return em.createQuery("select i from BillingInvoice i order by i.issuedAt, i.number", InvoiceEntity.class)
                    .getResultList().stream().filter(i -> caller.sees(i.tenantId.toString()))
                    .filter(i -> tenant == null || tenant.equals(i.tenantId.toString()))
                    .map(i -> view(i, prepaid.getOrDefault(i.id, java.math.BigDecimal.ZERO), null)).toList();
        });
    }

    @GET
    @Path("invoices/{id}")
    @RequiresPermission(value = AccountsResource.READ, object = KIND)
    public InvoiceView getInvoice(@PathParam("id") String id) {
        return database.inTransaction(em -> {
            InvoiceEntity invoice = em.find(InvoiceEntity.class, UUID.fromString(id));
            List<LineView> lines = em.createQuery("select l from BillingInvoiceLine l where l.invoiceId = :i order by l.position", InvoiceLineEntity.class)
                    .setParameter("i", invoice.id).getResultList().stream().map(l -> new LineView(l.position, l.kind, l.description, l.subscriptionId,
                            l.quantity.stripTrailingZeros().toPlainString(), l.unitPrice.toPlainString(), Amounts.of(l.amount, invoice.currency), l.periodFrom,
                            l.periodTo)).toList();
            return view(invoice, Prepayments.taxPrepaid(em, invoice.id), lines);
        });
    }

    /**
     * The documents the caller sees that were issued in a period, as CSV for the accountant: one row per document
     * with its customer, amounts, tax and the SHA-256 of its PDF (empty until rendered).
     */
    @GET
    @Path("invoices/export")
    @Produces({CsvExport.MEDIA_TYPE, "application/problem+json"})
    @RequiresPermission(AccountsResource.READ)
    public jakarta.ws.rs.core.Response exportInvoices(@QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("timeZone") String timeZone,
                                   @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        CsvExport.Period period = CsvExport.Period.of(from, to, timeZone);
        List<List<Object>> rows = database.inTransaction(em -> {
            Map<UUID, String> digests = new java.util.HashMap<>();
            em.createQuery("select d.invoiceId, d.sha256 from BillingDocument d", Object[].class).getResultList()
                    .forEach(r -> digests.put((UUID) r[0], (String) r[1]));
            Map<UUID, String> numbers = new java.util.HashMap<>();
            List<InvoiceEntity> issued = em.createQuery("select i from BillingInvoice i where i.issuedAt >= :f and i.issuedAt < :t order by i.issuedAt, i.number",
                    InvoiceEntity.class).setParameter("f", period.from()).setParameter("t", period.to()).getResultList();
            List<List<Object>> out = new java.util.ArrayList<>();
            for (InvoiceEntity i : issued) {
                if (!caller.sees(i.tenantId.toString())) {
                    continue;
                }
                AccountEntity account = em.find(AccountEntity.class, i.tenantId);
                String credits = i.creditsInvoice == null ? "" : numbers.computeIfAbsent(i.creditsInvoice,
                        c -> Optional.ofNullable(em.find(InvoiceEntity.class, c)).map(x -> x.number).orElse(""));
                out.add(java.util.Arrays.asList(i.number, i.kind, i.issuedAt.toString(), i.dueAt == null ? "" : i.dueAt.toString(), i.tenantId.toString(),
                        CsvExport.text(AccountsResource.customerName(account, identity, i.tenantId)),
                        account == null || account.country == null ? "" : account.country, CsvExport.text(account == null ? null : account.taxId), i.currency,
                        Amounts.of(i.subtotal, i.currency), i.taxRate == null ? "" : i.taxRate.stripTrailingZeros().toPlainString(),
                        CsvExport.text(i.taxName), Amounts.of(i.tax, i.currency), Amounts.of(i.total, i.currency), Amounts.of(i.amountPaid, i.currency),
                        Amounts.of(i.total.subtract(i.amountPaid), i.currency), credits, digests.getOrDefault(i.id, "")));
            }
            return out;
        });
        return CsvExport.response(CsvExport.write(List.of("number", "kind", "issued_at", "due_at", "customer_id", "customer_name", "customer_country",
                "customer_tax_id", "currency", "subtotal", "tax_rate", "tax_name", "tax", "total", "amount_paid", "amount_due", "credits_invoice",
                "pdf_sha256"), rows), "invoices_" + period.label());
    }

    /**
     * The document as a PDF/A-3 with its Factur-X XML, exactly as first rendered: {@code ETag} and {@code Repr-Digest}
     * carry its SHA-256.
     */
    @GET
    @Path("invoices/{id}/pdf")
    @Produces({InvoiceDocuments.PDF, "application/problem+json"})
    @RequiresPermission(value = AccountsResource.READ, object = KIND)
    public jakarta.ws.rs.core.Response getInvoicePdf(@PathParam("id") String id, @jakarta.ws.rs.HeaderParam("If-None-Match") String ifNoneMatch) {
        InvoiceDocuments.Stored pdf = documents.pdf(UUID.fromString(id));
        if (pdf == null) {
            throw io.vessel.web.api.ProblemException.notFound("No document " + id + ".");
        }
        String etag = "\"" + pdf.sha256() + "\"";
        if (etag.equals(ifNoneMatch)) {
            return jakarta.ws.rs.core.Response.notModified().header("ETag", etag).build();
        }
        String file = InvoiceDocuments.fileName(pdf.number());
        return jakarta.ws.rs.core.Response.ok(pdf.content(), pdf.mediaType()).header("ETag", etag)
                .header("Repr-Digest", "sha-256=:" + java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(pdf.sha256())) + ":")
                .header("Content-Disposition", "attachment; filename=\"" + file + "\"").header("Cache-Control", "private, no-cache").build();
    }

    /** Body of a credit note: how much to credit, with tax (absent: all of the invoice not yet credited), and why. */
    public record CreditRequest(String amount, String reason) {
    }

    /**
     * Corrects an issued invoice with a credit note (the seller's administrators; a customer cannot credit itself):
     * it settles what is due on the invoice, and what was paid beyond goes back to the balance.
     */
    @POST
    @Path("invoices/{id}/credit-notes")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = AccountsResource.MANAGE, object = KIND)
    public jakarta.ws.rs.core.Response creditInvoice(@PathParam("id") String id, CreditRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        if (ownerOf(id).filter(owner -> owner.equals(caller.tenantId())).isPresent()) {
            throw io.vessel.web.api.ProblemException.notFound("There is no invoice " + id + " of your customers.");
        }
        CreditRequest r = body == null ? new CreditRequest(null, null) : body;
        java.math.BigDecimal amount = Amounts.parse(r.amount());
        if (r.reason() != null && r.reason().length() > 200) {
            throw PlansResource.unprocessable("The reason is too long.", List.of(new io.vessel.web.api.Problem.FieldError("reason", "at most 200 characters")));
        }
        InvoiceEntity note = run.credit(UUID.fromString(id), amount, r.reason(), caller.getName());
        Dunning d = dunning;
        if (d != null) {
            d.check(note.tenantId);
        }
        return jakarta.ws.rs.core.Response.created(java.net.URI.create("/api/v1/billing/invoices/" + note.id)).entity(getInvoice(note.id.toString())).build();
    }

    @Override
    public Optional<String> ownerOf(String id) {
        try {
            UUID invoice = UUID.fromString(id);
            return Optional.ofNullable(database.inTransaction(em -> em.find(InvoiceEntity.class, invoice))).map(i -> i.tenantId.toString());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code taxPrepaid}: of an invoice's tax, what prepayment invoices carried already (it was paid from credit taxed
     * at top-up; null when none); {@code prepaidLeft}: of a prepayment invoice, what is still on the balance.
     */
    private InvoiceView view(InvoiceEntity i, java.math.BigDecimal prepaid, List<LineView> lines) {
        String issuer = PlansResource.tenantLabel(identity, i.issuerTenant);
        java.math.BigDecimal due = i.kind.equals(BillingRun.CREDIT_NOTE) ? java.math.BigDecimal.ZERO : i.total.subtract(i.amountPaid);
        return new InvoiceView(i.id, i.tenantId, issuer, i.kind, i.number, i.currency, Amounts.of(i.subtotal == null ? i.total : i.subtotal, i.currency),
                i.taxRate == null ? null : i.taxRate.stripTrailingZeros().toPlainString(), i.taxName, Amounts.of(i.tax == null ? java.math.BigDecimal.ZERO
                : i.tax, i.currency), i.taxNote, Amounts.of(i.total, i.currency), Amounts.of(i.amountPaid, i.currency), Amounts.of(due, i.currency), i.issuedAt,
                i.dueAt, i.creditsInvoice, prepaid.signum() == 0 ? null : Amounts.of(prepaid, i.currency),
                i.prepaidLeft == null ? null : Amounts.of(i.prepaidLeft, i.currency), lines);
    }
}
