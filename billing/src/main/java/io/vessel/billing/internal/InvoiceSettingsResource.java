package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/billing/invoice-settings}: the caller's own (its tenant's) settings as an issuer of documents — the
 * formats of its invoice and credit-note numbers (a reseller numbers its documents its own way; null: the panel's
 * configured formats). Each series stays gapless whatever the format: the format only says how its numbers read.
 */
@Component(service = InvoiceSettingsResource.class, property = ApiWhiteboard.RESOURCE + "=true", configurationPid = BillingClock.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Path("billing/invoice-settings")
@Produces(MediaType.APPLICATION_JSON)
public final class InvoiceSettingsResource {

    /** The issuer's formats and, read only, the ones that apply (its own or the panel's). */
    public record InvoiceSettings(String numberFormat, String creditNoteNumberFormat, String effectiveNumberFormat,
                                  String effectiveCreditNoteNumberFormat, Boolean numbersRestartYearly) {
    }

    private final Database database;
    private final BillingClock.Config config;

    @Activate
    public InvoiceSettingsResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                                   BillingClock.Config config) {
        this.database = database;
        this.config = config;
    }

    @GET
    @RequiresPermission(PlansResource.READ)
    public InvoiceSettings getInvoiceSettings(@Context SecurityContext security) {
        UUID issuer = UUID.fromString(Caller.of(security).tenantId());
        return database.inTransaction(em -> view(em.find(SellerEntity.class, issuer)));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(PlansResource.MANAGE)
    public InvoiceSettings putInvoiceSettings(InvoiceSettings body, @Context SecurityContext security) {
        UUID issuer = UUID.fromString(Caller.of(security).tenantId());
        InvoiceSettings r = body == null ? new InvoiceSettings(null, null, null, null, null) : body;
        List<Problem.FieldError> errors = new ArrayList<>();
        String invoices = format(r.numberFormat(), "numberFormat", errors);
        String notes = format(r.creditNoteNumberFormat(), "creditNoteNumberFormat", errors);
        if (invoices != null && invoices.equals(notes != null ? notes : config.credit_note_number_format())
                || notes != null && notes.equals(invoices != null ? invoices : config.invoice_number_format())) {
            // two series written alike would give an invoice and a credit note the same number
            errors.add(new Problem.FieldError("creditNoteNumberFormat", "different from the invoice number format"));
        }
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The invoice settings are not valid.", errors);
        }
        return database.inTransaction(em -> {
            SellerEntity seller = SellerEntity.of(em, issuer);
            seller.invoiceNumberFormat = invoices;
            seller.creditNoteNumberFormat = notes;
            return view(seller);
        });
    }

    /** A format given (null: none), or an error: it needs the sequence, and the year when numbering restarts yearly. */
    private String format(String given, String field, List<Problem.FieldError> errors) {
        if (given == null || given.isBlank()) {
            return null;
        }
        String format = given.strip();
        try {
            InvoiceNumbers.check(format);
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError(field, "{NUMBER} (or {NUMBER:6}, zero-padded) and at most 40 characters, e.g. \"INV-{YYYY}-{NUMBER:6}\""));
            return null;
        }
        if (config.number_yearly() && !format.contains("{YYYY}")) {
            errors.add(new Problem.FieldError(field, "{YYYY} as well: numbering restarts each year, so without the year numbers would repeat"));
            return null;
        }
        if (!format.matches("[\\p{L}\\p{N} {}:/._#-]+")) {
            errors.add(new Problem.FieldError(field, "letters, digits, spaces and - / . _ # only besides {YYYY} and {NUMBER}"));
            return null;
        }
        return format;
    }

    private InvoiceSettings view(SellerEntity seller) {
        String invoices = seller == null ? null : seller.invoiceNumberFormat;
        String notes = seller == null ? null : seller.creditNoteNumberFormat;
        return new InvoiceSettings(invoices, notes, invoices != null ? invoices : config.invoice_number_format(),
                notes != null ? notes : config.credit_note_number_format(), config.number_yearly());
    }
}
