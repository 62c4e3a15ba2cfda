package io.vessel.billing.internal;

import io.vessel.identity.api.IdentityService;
import io.vessel.persistence.api.Database;
import jakarta.persistence.EntityManager;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PDF of every issued document, rendered once ({@link InvoicePdf}) and stored with its SHA-256: soon after issue
 * by a background pass (a minute after start, then every minute, and right after a billing run; oldest first), or at
 * once when someone asks for a document not rendered yet. What was stored first is what is served ever after, whatever
 * a later version of the libraries, fonts or the issuer's settings would render. The same pass tells the customer of
 * each new document ({@code billing.invoice.issued}, its PDF attached to the e-mails), once.
 */
@Component(service = InvoiceDocuments.class, configurationPid = BillingClock.PID,
        configurationPolicy = org.osgi.service.component.annotations.ConfigurationPolicy.OPTIONAL)
public final class InvoiceDocuments {

    private static final Logger LOG = LoggerFactory.getLogger(InvoiceDocuments.class);
    static final String PDF = "application/pdf";
    /** Documents rendered per batch of a background pass. */
    private static final int PER_PASS = 200;

    /** A stored document. */
    record Stored(byte[] content, String sha256, String mediaType, String number) {
    }

    private final Database database;
    private final IdentityService identity;
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "billing-documents");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    @Activate
    public InvoiceDocuments(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                            @Reference IdentityService identity, BillingClock.Config config) {
        this.database = database;
        this.identity = identity;
        this.inBackground = config.documents_background();
        if (inBackground) {
            background.scheduleWithFixedDelay(this::renderPending, 60, 60, TimeUnit.SECONDS);
        }
    }

    private final boolean inBackground;

    @Deactivate
    void stop() {
        background.shutdownNow();
    }

    /** The document's PDF, rendered now if it was not yet; null if there is no such document. */
    Stored pdf(UUID invoiceId) {
        Stored stored = stored(invoiceId);
        if (stored != null) {
            return stored;
        }
        InvoicePdf.Document document = database.inTransaction(em -> document(em, invoiceId));
        if (document == null) {
            return null;
        }
        byte[] bytes = InvoicePdf.render(document);
        String sha = sha256(bytes);
        try {
            database.inTransaction(em -> {
                if (em.find(DocumentEntity.class, invoiceId) == null) {
                    em.persist(new DocumentEntity(invoiceId, PDF, bytes, sha, Clock.systemUTC().instant(), InvoicePdf.RENDERER));
                }
                return null;
            });
        } catch (RuntimeException e) {
            // rendered at the same moment by the background pass or another request: the first stored stands
            Stored first = stored(invoiceId);
            if (first == null) {
                throw e;
            }
            return first;
        }
        return stored(invoiceId);
    }

    private Stored stored(UUID invoiceId) {
        return database.inTransaction(em -> {
            DocumentEntity d = em.find(DocumentEntity.class, invoiceId);
            InvoiceEntity invoice = d == null ? null : em.find(InvoiceEntity.class, invoiceId);
            return d == null ? null : new Stored(d.content, d.sha256, d.mediaType, invoice == null ? invoiceId.toString() : invoice.number);
        });
    }

    /** A pass at once (after a billing run), besides the one every minute. */
    void soon() {
        if (!inBackground) {
            return;
        }
        try {
            background.execute(this::renderPending);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the next start's pass takes them
        }
    }

    /** Renders documents issued but not rendered yet, and tells customers of new ones; oldest first. */
    synchronized void renderPending() {
        try {
            List<UUID> pending;
            do { // in batches until none is left (a run of 10,000 accounts makes as many documents)
                pending = database.inTransaction(em -> em.createQuery("select i.id from BillingInvoice i where i.announcedAt is null or not exists "
                        + "(select d.invoiceId from BillingDocument d where d.invoiceId = i.id) order by i.issuedAt", UUID.class)
                        .setMaxResults(PER_PASS).getResultList());
                long started = System.nanoTime();
                int done = 0;
                for (UUID id : pending) {
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    Stored pdf = pdf(id);
                    if (pdf != null && announce(id, pdf)) {
                        done++;
                    }
                }
                if (!pending.isEmpty()) {
                    LOG.info("Invoice documents rendered count={} tookMs={}", pending.size(), (System.nanoTime() - started) / 1_000_000);
                }
                if (done < pending.size()) {
                    return; // some cannot be announced now (no notifier): the next pass tries again
                }
            } while (pending.size() == PER_PASS);
        } catch (RuntimeException e) {
            LOG.warn("Invoice documents not rendered: {}", e.getMessage(), e);
        }
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.notify.Notifier notifier;

    /** Tells the customer of a new document once (marked told as it is handed to the notifier, which delivers in the background). */
    private boolean announce(UUID invoiceId, Stored pdf) {
        io.vessel.api.notify.Notifier n = notifier;
        if (n == null) {
            LOG.debug("Invoice document not announced yet, no notifier invoice={}", invoiceId);
            return false; // told when the notifier is back
        }
        return database.inTransaction(em -> {
            // claimed by a statement of its own, never by writing the whole invoice back: a payment recorded meanwhile
            // changes the same row, and Hibernate would write the amount paid it read before
            int claimed = em.createQuery("update BillingInvoice i set i.announcedAt = :now where i.id = :id and i.announcedAt is null")
                    .setParameter("now", Clock.systemUTC().instant()).setParameter("id", invoiceId).executeUpdate();
            InvoiceEntity i = claimed == 0 ? null : em.find(InvoiceEntity.class, invoiceId);
            if (i == null) {
                return true;
            }
            String title = InvoicePdf.title(i.kind);
            String amount = Amounts.of(i.total, i.currency) + " " + i.currency;
            String text = title + " " + i.number + " over " + amount + " was issued"
                    + (BillingRun.INVOICE.equals(i.kind) && i.total.compareTo(i.amountPaid) > 0 && i.dueAt != null
                    ? ", due " + java.time.format.DateTimeFormatter.ISO_LOCAL_DATE.format(i.dueAt.atZone(java.time.ZoneOffset.UTC)) : "")
                    + ". The document is attached and in the portal under Billing.";
            n.notifyTenant(i.tenantId, new io.vessel.api.notify.Notification("billing.invoice.issued", title + " " + i.number, text,
                            java.util.Map.of("invoice", i.id.toString(), "number", i.number, "kind", i.kind, "total", Amounts.of(i.total, i.currency),
                                    "currency", i.currency, "sha256", pdf.sha256())),
                    List.of(new io.vessel.api.notify.Attachment(fileName(pdf.number()), PDF, pdf.content())));
            LOG.info("Invoice document announced tenant={} number={}", i.tenantId, i.number);
            return true;
        });
    }

    private InvoicePdf.Document document(EntityManager em, UUID invoiceId) {
        InvoiceEntity i = em.find(InvoiceEntity.class, invoiceId);
        if (i == null) {
            return null;
        }
        AccountEntity account = em.find(AccountEntity.class, i.tenantId);
        SellerEntity seller = em.find(SellerEntity.class, i.issuerTenant);
        SellerEntity s = seller == null ? new SellerEntity(i.issuerTenant) : seller;
        List<InvoicePdf.Line> lines = em.createQuery("select l from BillingInvoiceLine l where l.invoiceId = :i order by l.position", InvoiceLineEntity.class)
                .setParameter("i", i.id).getResultList().stream()
                .map(l -> new InvoicePdf.Line(l.description, l.quantity, l.unitPrice, l.amount, l.periodFrom, l.periodTo)).toList();
        String credits = i.creditsInvoice == null ? null : java.util.Optional.ofNullable(em.find(InvoiceEntity.class, i.creditsInvoice))
                .map(c -> c.number).orElse(null);
        InvoicePdf.Party issuer = new InvoicePdf.Party(s.legalName != null ? s.legalName : tenantName(i.issuerTenant), s.address, s.country, s.taxId,
                s.email);
        InvoicePdf.Party customer = new InvoicePdf.Party(AccountsResource.customerName(account, identity, i.tenantId),
                account == null ? null : account.address, account == null ? null : account.country, account == null ? null : account.taxId, null);
        // prices included tax when the lines add up to the total rather than the subtotal (as the document was issued,
        // whatever the seller's setting is now)
        java.math.BigDecimal lineSum = lines.stream().map(InvoicePdf.Line::amount).reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add);
        boolean grossLines = i.tax.signum() != 0 && lineSum.compareTo(i.subtotal) != 0 && lineSum.compareTo(i.total) == 0;
        ZoneId zone = account == null ? ZoneId.of("UTC") : ZoneId.of(account.timeZone);
        return new InvoicePdf.Document(i.kind, i.number, i.currency, i.issuedAt, i.dueAt, zone, issuer, customer, lines, i.subtotal, i.taxRate,
                i.taxName, i.tax, i.taxNote, i.total, grossLines, credits, s.logo, s.logoType, s.paymentTerms, s.footer);
    }

    private String tenantName(UUID tenant) {
        return identity.tenant(tenant).map(io.vessel.identity.api.Tenant::name).orElse(tenant.toString());
    }

    /** The PDF's file name: its number, with anything but letters, digits, dot, dash and underscore as "_". */
    static String fileName(String number) {
        return number.replaceAll("[^A-Za-z0-9._-]", "_") + ".pdf";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
