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
 * configured formats; each series stays gapless whatever the format: the format only says how its numbers read), and
 * what its documents print: legal name, postal address, e-mail, logo, payment terms and footer. Documents issued
 * before a change keep what they were issued with (their PDF is stored).
 */
@Component(service = InvoiceSettingsResource.class, property = ApiWhiteboard.RESOURCE + "=true", configurationPid = BillingClock.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Path("billing/invoice-settings")
@Produces(MediaType.APPLICATION_JSON)
public final class InvoiceSettingsResource {

    /** The issuer's formats and, read only, the ones that apply (its own or the panel's). */
    public record InvoiceSettings(String numberFormat, String creditNoteNumberFormat, String effectiveNumberFormat,
                                  String effectiveCreditNoteNumberFormat, Boolean numbersRestartYearly, String legalName, String address,
                                  String email, String logo, String paymentTerms, String footer) {
    }

    /** A logo is a PNG or JPEG of at most this many bytes, and as many pixels a side. */
    static final int LOGO_BYTES = 256 * 1024;
    static final int LOGO_PIXELS = 4000;

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
        InvoiceSettings r = body == null ? new InvoiceSettings(null, null, null, null, null, null, null, null, null, null, null) : body;
        List<Problem.FieldError> errors = new ArrayList<>();
        String invoices = format(r.numberFormat(), "numberFormat", errors);
        String notes = format(r.creditNoteNumberFormat(), "creditNoteNumberFormat", errors);
        if (invoices != null && invoices.equals(notes != null ? notes : config.credit_note_number_format())
                || notes != null && notes.equals(invoices != null ? invoices : config.invoice_number_format())) {
            // two series written alike would give an invoice and a credit note the same number
            errors.add(new Problem.FieldError("creditNoteNumberFormat", "different from the invoice number format"));
        }
        checkText(r.legalName(), "legalName", 200, false, errors);
        checkText(r.address(), "address", 1000, true, errors);
        checkText(r.paymentTerms(), "paymentTerms", 1000, true, errors);
        checkText(r.footer(), "footer", 1000, true, errors);
        if (r.email() != null && !r.email().isBlank() && !r.email().strip().matches("[^@\\s<>\"]{1,64}@[^@\\s<>\"]{1,190}\\.[^@\\s<>\"]+")) {
            errors.add(new Problem.FieldError("email", "an e-mail address such as billing@example.com"));
        }
        Logo logo = Logo.of(r.logo(), errors);
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The invoice settings are not valid.", errors);
        }
        return database.inTransaction(em -> {
            SellerEntity seller = SellerEntity.of(em, issuer);
            seller.invoiceNumberFormat = invoices;
            seller.creditNoteNumberFormat = notes;
            seller.legalName = blankToNull(r.legalName());
            seller.address = blankToNull(r.address());
            seller.email = blankToNull(r.email());
            seller.paymentTerms = blankToNull(r.paymentTerms());
            seller.footer = blankToNull(r.footer());
            seller.logo = logo == null ? null : logo.bytes();
            seller.logoType = logo == null ? null : logo.mediaType();
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
        SellerEntity s = seller == null ? new SellerEntity(null) : seller;
        String logo = s.logo == null ? null : "data:" + s.logoType + ";base64," + java.util.Base64.getEncoder().encodeToString(s.logo);
        return new InvoiceSettings(s.invoiceNumberFormat, s.creditNoteNumberFormat,
                s.invoiceNumberFormat != null ? s.invoiceNumberFormat : config.invoice_number_format(),
                s.creditNoteNumberFormat != null ? s.creditNoteNumberFormat : config.credit_note_number_format(), config.number_yearly(), s.legalName,
                s.address, s.email, logo, s.paymentTerms, s.footer);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }

    /** Printable text of at most {@code max} characters; line breaks only where {@code lines}. */
    static void checkText(String text, String field, int max, boolean lines, List<Problem.FieldError> errors) {
        if (text == null) {
            return;
        }
        if (text.length() > max) {
            errors.add(new Problem.FieldError(field, "at most " + max + " characters"));
        } else if (text.codePoints().anyMatch(c -> Character.isISOControl(c) && !(lines && (c == '\n' || c == '\r' || c == '\t')))) {
            errors.add(new Problem.FieldError(field, lines ? "text and line breaks only" : "one line of text"));
        }
    }

    /** A logo as given in a data: URL, checked to be a PNG or JPEG of a sensible size (its header read, never decoded here). */
    record Logo(String mediaType, byte[] bytes) {
        static Logo of(String dataUrl, List<Problem.FieldError> errors) {
            if (dataUrl == null || dataUrl.isBlank()) {
                return null;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("data:(image/png|image/jpeg);base64,([A-Za-z0-9+/=\\s]+)").matcher(dataUrl.strip());
            if (!m.matches()) {
                errors.add(new Problem.FieldError("logo", "a PNG or JPEG image as a data: URL (data:image/png;base64,...)"));
                return null;
            }
            byte[] bytes;
            try {
                bytes = java.util.Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("logo", "not valid base64"));
                return null;
            }
            if (bytes.length > LOGO_BYTES) {
                errors.add(new Problem.FieldError("logo", "at most " + LOGO_BYTES / 1024 + " KiB"));
                return null;
            }
            try (javax.imageio.stream.ImageInputStream in = javax.imageio.ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes))) {
                java.util.Iterator<javax.imageio.ImageReader> readers = javax.imageio.ImageIO.getImageReadersByMIMEType(m.group(1));
                if (in == null || !readers.hasNext()) {
                    throw new java.io.IOException("no reader");
                }
                javax.imageio.ImageReader reader = readers.next();
                try {
                    reader.setInput(in, true, true);
                    int width = reader.getWidth(0);
                    int height = reader.getHeight(0);
                    if (width > LOGO_PIXELS || height > LOGO_PIXELS) {
                        errors.add(new Problem.FieldError("logo", "at most " + LOGO_PIXELS + " pixels a side (this one is " + width + "x" + height + ")"));
                        return null;
                    }
                } finally {
                    reader.dispose();
                }
            } catch (java.io.IOException | RuntimeException e) {
                errors.add(new Problem.FieldError("logo", "not a readable " + (m.group(1).endsWith("png") ? "PNG" : "JPEG") + " image"));
                return null;
            }
            return new Logo(m.group(1), bytes);
        }
    }
}
