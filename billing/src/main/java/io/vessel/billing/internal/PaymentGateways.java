package io.vessel.billing.internal;

import io.vessel.api.plugin.PluginCalls;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PaymentGateway;
import io.vessel.billing.api.PaymentGatewayException;
import io.vessel.billing.internal.PluginServices.Registered;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ProblemException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment gateways plugins registered, and what billing does with them: starts checkouts, applies the outcomes
 * their webhooks report (each event once), and gives money back. A gateway runs on its plugin's own threads with a
 * time limit ({@link PluginCalls}), outside any database transaction: a slow gateway holds no lock.
 */
@Component(service = PaymentGateways.class)
public final class PaymentGateways {

    private static final Logger LOG = LoggerFactory.getLogger(PaymentGateways.class);
    private static final Duration CALL_LIMIT = Duration.ofSeconds(20);

    private final PluginServices<PaymentGateway> gateways = new PluginServices<>(PaymentGateway.ID, "payment gateway");
    private final Database database;
    private final BillingClock clock;
    private final BillingRun run;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PluginCalls calls;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Dunning dunning;

    @Activate
    public PaymentGateways(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                           @Reference BillingClock clock, @Reference BillingRun run) {
        this.database = database;
        this.clock = clock;
        this.run = run;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addGateway(PaymentGateway gateway, Map<String, Object> properties) {
        gateways.add(gateway, properties);
    }

    void removeGateway(PaymentGateway gateway, Map<String, Object> properties) {
        gateways.remove(gateway);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.security.SecretSealer sealer;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The credentials of {@code channel} ('' the plugin's own settings: none here, else a seller's) at a gateway. */
    private Map<String, String> credentials(String channel, String gatewayId) {
        if (channel.isEmpty()) {
            return Map.of();
        }
        return open(database.inTransaction(em -> em.find(GatewayCredentialsEntity.class,
                new GatewayCredentialsEntity.Key(UUID.fromString(channel), gatewayId))));
    }

    /** Stored credentials opened (none: empty). */
    private Map<String, String> open(GatewayCredentialsEntity stored) {
        if (stored == null) {
            return Map.of();
        }
        try {
            return Map.copyOf(JSON.readValue(sealer().open(stored.sealed), new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { }));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            LOG.warn("A seller's gateway credentials do not open seller={} gateway={}: {}", stored.sellerTenant, stored.gateway, e.getMessage());
            throw new ProblemException(502, "payment-gateway", "Payment gateway failed", "The seller's credentials for " + stored.gateway
                    + " cannot be read; the seller must enter them again.");
        }
    }

    /** The panel's secret store, or 503 while it is not running. */
    private io.vessel.api.security.SecretSealer sealer() {
        io.vessel.api.security.SecretSealer s = sealer;
        if (s == null) {
            throw new ProblemException(503, "secrets-unavailable", "Secrets unavailable", "The panel's secret store is not running; try again shortly.");
        }
        return s;
    }

    /** What a seller set at a gateway, as shown back: secret values never, only that they are set. */
    public record CredentialsView(String gateway, List<PaymentGateway.CredentialField> fields, Map<String, String> values, List<String> set,
                                  java.time.Instant updatedAt) {
    }

    CredentialsView credentialsView(UUID seller, String gatewayId) {
        Registered<PaymentGateway> gateway = require(gatewayId);
        List<PaymentGateway.CredentialField> fields = callQuietly(gateway, "its seller credentials", gateway.service()::sellerCredentials).orElse(List.of());
        GatewayCredentialsEntity stored = database.inTransaction(em -> em.find(GatewayCredentialsEntity.class, new GatewayCredentialsEntity.Key(seller, gatewayId)));
        Map<String, String> values = open(stored);
        Map<String, String> shown = new java.util.TreeMap<>();
        for (PaymentGateway.CredentialField f : fields) {
            if (!f.secret() && values.containsKey(f.name())) {
                shown.put(f.name(), values.get(f.name()));
            }
        }
        return new CredentialsView(gatewayId, fields, shown, values.keySet().stream().sorted().toList(), stored == null ? null : stored.updatedAt);
    }

    /** Stores a seller's own credentials at a gateway (all fields the gateway declares; required ones needed); null: removes them. */
    CredentialsView putCredentials(UUID seller, String gatewayId, Map<String, String> given, String by) {
        Registered<PaymentGateway> gateway = require(gatewayId);
        if (given == null) {
            database.inTransaction(em -> em.createQuery("delete from BillingGatewayCredentials c where c.sellerTenant = :s and c.gateway = :g")
                    .setParameter("s", seller).setParameter("g", gatewayId).executeUpdate());
            LOG.info("Seller gateway credentials removed seller={} gateway={} by={}", seller, gatewayId, by);
            return credentialsView(seller, gatewayId);
        }
        List<PaymentGateway.CredentialField> fields = callQuietly(gateway, "its seller credentials", gateway.service()::sellerCredentials).orElse(List.of());
        List<io.vessel.web.api.Problem.FieldError> errors = new ArrayList<>();
        if (fields.isEmpty()) {
            errors.add(new io.vessel.web.api.Problem.FieldError("gateway", gatewayId + " takes payments only into the provider's account"));
        }
        java.util.Set<String> known = new java.util.HashSet<>();
        Map<String, String> clean = new java.util.TreeMap<>();
        for (PaymentGateway.CredentialField f : fields) {
            known.add(f.name());
            String v = given.get(f.name());
            if (v == null || v.isBlank()) {
                if (f.required()) {
                    errors.add(new io.vessel.web.api.Problem.FieldError(f.name(), "required: " + f.label()));
                }
            } else if (v.length() > 2000) {
                errors.add(new io.vessel.web.api.Problem.FieldError(f.name(), "at most 2000 characters"));
            } else {
                clean.put(f.name(), v.strip());
            }
        }
        given.keySet().stream().filter(k -> !known.contains(k)).sorted()
                .forEach(k -> errors.add(new io.vessel.web.api.Problem.FieldError(k, "not a credential of " + gatewayId + " (it takes " + known + ")")));
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The credentials for " + gatewayId + " are not valid.", errors);
        }
        String sealed;
        try {
            sealed = sealer().seal(JSON.writeValueAsString(clean));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        database.inTransaction(em -> {
            GatewayCredentialsEntity c = em.find(GatewayCredentialsEntity.class, new GatewayCredentialsEntity.Key(seller, gatewayId));
            boolean fresh = c == null;
            if (fresh) {
                c = new GatewayCredentialsEntity(seller, gatewayId);
            }
            c.sealed = sealed;
            c.updatedAt = clock.instant();
            c.updatedBy = by;
            if (fresh) {
                em.persist(c); // with its state: the insert takes what the entity holds now
            }
            return null;
        });
        LOG.info("Seller gateway credentials set seller={} gateway={} by={}", seller, gatewayId, by);
        return credentialsView(seller, gatewayId);
    }

    /** A gateway as listed to customers. */
    public record GatewayView(String id, String name) {
    }

    List<GatewayView> list() {
        return gateways.all().stream()
                .map(r -> new GatewayView(r.id(), callQuietly(r, "its name", r.service()::displayName).orElse(r.id()))).toList();
    }

    /** A checkout as shown to the customer. */
    public record CheckoutView(UUID id, String gateway, String state, String amount, String currency, UUID invoice, URI redirect,
                               String message, UUID payment) {
    }

    /**
     * Starts paying {@code amount} (null: what is due on {@code invoice}, or on every open invoice) of a tenant's
     * account through {@code gatewayId}.
     */
    CheckoutView checkout(UUID tenant, String gatewayId, UUID invoiceId, BigDecimal amount, URI webhookUrl, URI returnUrl) {
        Registered<PaymentGateway> gateway = require(gatewayId);
        GatewayPaymentEntity attempt = database.inTransaction(em -> {
            AccountEntity account = AccountsResource.requireAccount(em, tenant, LockModeType.PESSIMISTIC_WRITE);
            BigDecimal due;
            if (invoiceId != null) {
                InvoiceEntity invoice = em.find(InvoiceEntity.class, invoiceId);
                if (invoice == null || !invoice.tenantId.equals(tenant) || !invoice.kind.equals(BillingRun.INVOICE)) {
                    throw PlansResource.unprocessable("The account has no invoice " + invoiceId + ".",
                            List.of(new io.vessel.web.api.Problem.FieldError("invoice", "not this account's")));
                }
                due = invoice.total.subtract(invoice.amountPaid);
            } else {
                due = em.createQuery("select coalesce(sum(i.total - i.amountPaid), 0) from BillingInvoice i where i.tenantId = :t and i.kind = :k",
                        BigDecimal.class).setParameter("t", tenant).setParameter("k", BillingRun.INVOICE).getSingleResult();
            }
            // in the currency's minor unit, as gateways take it (stored amounts carry six decimals)
            BigDecimal pay = (amount != null ? amount : due).setScale(Money.currency(account.currency).getDefaultFractionDigits(),
                    java.math.RoundingMode.HALF_UP);
            if (pay.signum() <= 0) {
                throw PlansResource.unprocessable("Nothing is due; name an amount to top up the balance.",
                        List.of(new io.vessel.web.api.Problem.FieldError("amount", "more than 0")));
            }
            if (amount != null) {
                Amounts.requireMinorUnits(amount, account.currency, "payment");
            }
            GatewayPaymentEntity a = new GatewayPaymentEntity(tenant, gateway.id(), invoiceId, pay, account.currency, clock.instant());
            if (account.sellerTenant != null && em.find(GatewayCredentialsEntity.class, new GatewayCredentialsEntity.Key(account.sellerTenant, gateway.id())) != null) {
                a.credentialsOf = account.sellerTenant.toString(); // the customer pays into its seller's own account at the gateway
            }
            em.persist(a);
            return a;
        });
        Map<String, String> credentials = credentials(attempt.credentialsOf, gateway.id());
        URI hook = attempt.credentialsOf.isEmpty() ? webhookUrl : URI.create(webhookUrl + "?seller=" + attempt.credentialsOf);
        PaymentGateway.CheckoutRequest request = new PaymentGateway.CheckoutRequest(attempt.id, tenant, new Money(attempt.amount,
                Money.currency(attempt.currency)), "Payment " + attempt.id, hook, returnUrl, credentials);
        PaymentGateway.Checkout answer;
        try {
            answer = call(gateway, "checkout " + attempt.id, () -> gateway.service().checkout(request));
        } catch (PaymentGatewayException e) {
            decline(attempt.id, e.getMessage());
            throw gatewayProblem(gateway, e);
        }
        if (answer == null || answer.outcome() == null) {
            decline(attempt.id, "the gateway gave no answer");
            throw new ProblemException(502, "payment-gateway", "Payment gateway failed", "The payment gateway " + gateway.id() + " gave no answer.");
        }
        database.inTransaction(em -> {
            GatewayPaymentEntity a = em.find(GatewayPaymentEntity.class, attempt.id, LockModeType.PESSIMISTIC_WRITE);
            a.reference = answer.reference();
            a.updatedAt = clock.instant();
            return null;
        });
        switch (answer.outcome()) {
            case SUCCEEDED -> succeeded(attempt.id);
            case DECLINED -> decline(attempt.id, answer.message());
            case PENDING -> {
            }
        }
        return database.inTransaction(em -> view(em.find(GatewayPaymentEntity.class, attempt.id), answer.redirect()));
    }

    Optional<CheckoutView> find(UUID id) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(GatewayPaymentEntity.class, id)).map(a -> view(a, null)));
    }

    Optional<UUID> tenantOf(UUID checkout) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(GatewayPaymentEntity.class, checkout)).map(a -> a.tenantId));
    }

    private static CheckoutView view(GatewayPaymentEntity a, URI redirect) {
        return new CheckoutView(a.id, a.gateway, a.state, Amounts.of(a.amount, a.currency), a.currency, a.invoiceId, redirect, a.message, a.paymentId);
    }

    /**
     * Reads a webhook call with its gateway (which checks the signature) and applies each event not seen before, in
     * one transaction per event with its record of having been seen: a redelivery changes nothing.
     */
    int webhook(String gatewayId, UUID seller, Map<String, List<String>> headers, byte[] body) {
        Registered<PaymentGateway> gateway = require(gatewayId);
        String channel = seller == null ? "" : seller.toString();
        Map<String, String> credentials = credentials(channel, gatewayId);
        if (seller != null && credentials.isEmpty()) {
            LOG.warn("Payment gateway webhook refused, the seller has no credentials there gateway={} seller={}", gatewayId, seller);
            throw new ProblemException(400, "invalid-signature", "Invalid signature", "The call is not signed by " + gatewayId + ".");
        }
        PaymentGateway.WebhookCall call = new PaymentGateway.WebhookCall(headers, body, credentials);
        List<PaymentGateway.Event> events;
        try {
            events = call(gateway, "webhook", () -> gateway.service().webhook(call));
        } catch (PaymentGatewayException e) {
            if (e.reason() == PaymentGatewayException.Reason.INVALID_SIGNATURE) {
                LOG.warn("Payment gateway webhook refused, bad signature gateway={}: {}", gatewayId, e.getMessage());
                throw new ProblemException(400, "invalid-signature", "Invalid signature", "The call is not signed by " + gatewayId + ".");
            }
            throw gatewayProblem(gateway, e);
        }
        int applied = 0;
        List<UUID> touched = new ArrayList<>();
        for (PaymentGateway.Event event : events == null ? List.<PaymentGateway.Event>of() : events) {
            UUID tenant = database.inTransaction(em -> apply(em, gatewayId, channel, event));
            if (tenant != null) {
                applied++;
                touched.add(tenant);
            }
        }
        Dunning d = dunning;
        if (d != null) {
            touched.stream().distinct().forEach(d::check); // paid: VEs run again at once; charged back: dunning again
        }
        return applied;
    }

    /**
     * Applies one event unless it was seen before; answers the tenant it changed, or null. Only payments made with the
     * credentials the call was verified with ({@code channel}) are touched: a seller signing with its own secret
     * reaches its own customers' payments, never the provider's or another seller's.
     */
    private UUID apply(EntityManager em, String gatewayId, String channel, PaymentGateway.Event event) {
        String eventKey = channel.isEmpty() ? event.id() : channel + "/" + event.id();
        if (event.id() == null || event.kind() == null || em.find(GatewayEventEntity.class, new GatewayEventEntity.Key(gatewayId, eventKey)) != null) {
            return null;
        }
        em.persist(new GatewayEventEntity(gatewayId, eventKey, event.kind().name(), clock.instant()));
        GatewayPaymentEntity attempt = em.createQuery("select a from BillingGatewayPayment a where a.gateway = :g and a.credentialsOf = :c"
                + " and a.reference = :r", GatewayPaymentEntity.class).setParameter("g", gatewayId).setParameter("c", channel)
                .setParameter("r", event.paymentReference()).getResultStream().findFirst().orElse(null);
        if (attempt == null) {
            LOG.warn("Payment gateway event for an unknown payment gateway={} event={} reference={}", gatewayId, event.id(), event.paymentReference());
            return null;
        }
        em.lock(attempt, LockModeType.PESSIMISTIC_WRITE);
        switch (event.kind()) {
            case PAYMENT_SUCCEEDED -> receive(em, attempt);
            case PAYMENT_FAILED -> {
                if (attempt.state.equals(GatewayPaymentEntity.PENDING)) {
                    attempt.state = GatewayPaymentEntity.DECLINED;
                    attempt.message = event.message();
                    attempt.updatedAt = clock.instant();
                }
            }
            case REFUNDED, CHARGEBACK -> {
                PaymentEntity payment = attempt.paymentId == null ? null : em.find(PaymentEntity.class, attempt.paymentId);
                if (payment == null || event.amount() == null || refundAskedHere(em, payment, event)) {
                    return null;
                }
                String kind = event.kind() == PaymentGateway.Event.Kind.CHARGEBACK ? RefundEntity.CHARGEBACK : RefundEntity.REFUND;
                BigDecimal amount = event.amount().amount().min(payment.amount.subtract(payment.refunded));
                if (amount.signum() <= 0) {
                    return null;
                }
                RefundEntity refund = new RefundEntity(UUID.randomUUID(), payment, amount, kind, event.message(), clock.instant(), gatewayId);
                refund.gatewayReference = event.refundReference();
                em.persist(refund);
                giveBack(em, payment, refund);
            }
        }
        return attempt.tenantId;
    }

    /**
     * Whether a refund event reports a refund asked for here: one recorded with its reference, or one still waiting
     * for the gateway's answer (the gateway may send its webhook before it answers) of the same amount.
     */
    private static boolean refundAskedHere(EntityManager em, PaymentEntity payment, PaymentGateway.Event event) {
        if (event.kind() != PaymentGateway.Event.Kind.REFUNDED) {
            return false;
        }
        return em.createQuery("select r from BillingRefund r where r.paymentId = :p and (r.gatewayReference = :ref or (r.state = :pending and r.amount = :a))",
                RefundEntity.class).setParameter("p", payment.id).setParameter("ref", String.valueOf(event.refundReference()))
                .setParameter("pending", RefundEntity.PENDING).setParameter("a", event.amount().amount()).getResultList().stream().findAny().isPresent();
    }

    /** Called when the gateway answered a checkout with SUCCEEDED at once. */
    private void succeeded(UUID attemptId) {
        UUID tenant = database.inTransaction(em -> {
            GatewayPaymentEntity attempt = em.find(GatewayPaymentEntity.class, attemptId, LockModeType.PESSIMISTIC_WRITE);
            receive(em, attempt);
            return attempt.tenantId;
        });
        Dunning d = dunning;
        if (d != null) {
            d.check(tenant);
        }
    }

    /** The attempt succeeded: the money becomes a payment (once), applied to the invoice named, open invoices, then the balance. */
    private void receive(EntityManager em, GatewayPaymentEntity attempt) {
        if (attempt.paymentId != null) {
            return;
        }
        AccountEntity account = AccountsResource.requireAccount(em, attempt.tenantId, LockModeType.PESSIMISTIC_WRITE);
        PaymentEntity payment = new PaymentEntity(attempt.tenantId, attempt.amount, attempt.currency, "GATEWAY", attempt.gateway + ":" + attempt.reference,
                clock.instant(), attempt.gateway);
        em.persist(payment);
        em.flush();
        InvoiceEntity invoice = attempt.invoiceId == null ? null : em.find(InvoiceEntity.class, attempt.invoiceId, LockModeType.PESSIMISTIC_WRITE);
        run.receive(em, account, payment, invoice, clock.instant());
        attempt.state = GatewayPaymentEntity.SUCCEEDED;
        attempt.paymentId = payment.id;
        attempt.message = null;
        attempt.updatedAt = clock.instant();
    }

    /** Ends a pending attempt as declined, with the gateway's words. */
    private void decline(UUID attemptId, String message) {
        database.inTransaction(em -> {
            GatewayPaymentEntity a = em.find(GatewayPaymentEntity.class, attemptId, LockModeType.PESSIMISTIC_WRITE);
            if (a.state.equals(GatewayPaymentEntity.PENDING)) {
                a.state = GatewayPaymentEntity.DECLINED;
                a.message = message == null ? null : message.substring(0, Math.min(500, message.length()));
                a.updatedAt = clock.instant();
            }
            return null;
        });
    }

    /** A refund as shown. */
    public record RefundView(UUID id, UUID payment, String amount, String currency, String kind, String state, String reason,
                             String gatewayReference, java.time.Instant at, String by) {
    }

    /**
     * Gives back {@code amount} of a payment: through its gateway first when it came through one (so nothing is
     * recorded that the gateway refused), then in the ledger: what the payment left on the balance comes off it, the
     * rest reopens the invoices it paid, newest first.
     */
    RefundView refund(UUID paymentId, BigDecimal amount, String reason, String by) {
        UUID refundId = UUID.randomUUID();
        record Asked(UUID tenant, String currency, String gateway, String reference, String channel) {
        }
        Asked asked = database.inTransaction(em -> {
            PaymentEntity payment = em.find(PaymentEntity.class, paymentId);
            if (payment == null) {
                throw ProblemException.notFound("No payment " + paymentId + ".");
            }
            AccountEntity account = AccountsResource.requireAccount(em, payment.tenantId, LockModeType.PESSIMISTIC_WRITE);
            checkRefundable(em, account, payment, amount);
            if (!"GATEWAY".equals(payment.method)) {
                return new Asked(payment.tenantId, payment.currency, null, null, "");
            }
            RefundEntity pending = new RefundEntity(refundId, payment, amount, RefundEntity.REFUND, reason, clock.instant(), by);
            pending.state = RefundEntity.PENDING;
            em.persist(pending);
            int colon = payment.reference.indexOf(':');
            String channel = em.createQuery("select a.credentialsOf from BillingGatewayPayment a where a.paymentId = :p", String.class)
                    .setParameter("p", payment.id).getResultStream().findFirst().orElse("");
            return new Asked(payment.tenantId, payment.currency, payment.reference.substring(0, colon), payment.reference.substring(colon + 1), channel);
        });
        String gatewayReference = null;
        if (asked.gateway() != null) {
            try {
                gatewayReference = askGateway(refundId, asked.gateway(), asked.reference(), new Money(amount.setScale(
                        Money.currency(asked.currency()).getDefaultFractionDigits()), Money.currency(asked.currency())), reason, asked.channel());
            } catch (ProblemException e) {
                database.inTransaction(em -> {
                    em.find(RefundEntity.class, refundId, LockModeType.PESSIMISTIC_WRITE).state = RefundEntity.FAILED;
                    return null;
                });
                throw e;
            }
        }
        String recordedReference = gatewayReference;
        RefundView view = database.inTransaction(em -> {
            AccountsResource.requireAccount(em, asked.tenant(), LockModeType.PESSIMISTIC_WRITE);
            PaymentEntity payment = em.find(PaymentEntity.class, paymentId, LockModeType.PESSIMISTIC_WRITE);
            RefundEntity refund = em.find(RefundEntity.class, refundId);
            if (refund == null) {
                refund = new RefundEntity(refundId, payment, amount, RefundEntity.REFUND, reason, clock.instant(), by);
                em.persist(refund);
            }
            refund.gatewayReference = recordedReference;
            refund.state = RefundEntity.DONE;
            giveBack(em, payment, refund);
            return view(refund);
        });
        Dunning d = dunning;
        if (d != null) {
            d.check(asked.tenant());
        }
        return view;
    }

    /** Asks the gateway for a refund; answers its reference. */
    private String askGateway(UUID refundId, String gatewayId, String paymentReference, Money amount, String reason, String channel) {
        Registered<PaymentGateway> gateway = require(gatewayId);
        Map<String, String> credentials = credentials(channel, gatewayId);
        PaymentGateway.Refund answer;
        try {
            answer = call(gateway, "refund " + refundId, () -> gateway.service().refund(new PaymentGateway.RefundRequest(refundId, paymentReference,
                    amount, reason, credentials)));
        } catch (PaymentGatewayException e) {
            throw gatewayProblem(gateway, e);
        }
        if (answer == null || answer.outcome() == PaymentGateway.Outcome.DECLINED) {
            throw new ProblemException(422, "refund-refused", "Refund refused", "The payment gateway " + gateway.id() + " refused the refund"
                    + (answer == null || answer.message() == null ? "." : ": " + answer.message()));
        }
        return answer.reference();
    }

    static RefundView view(RefundEntity r) {
        return new RefundView(r.id, r.paymentId, Amounts.of(r.amount, r.currency), r.currency, r.kind, r.state, r.reason, r.gatewayReference,
                r.createdAt, r.recordedBy);
    }

    /** Refuses a refund larger than what is left of the payment or than the ledger can take back. */
    private static void checkRefundable(EntityManager em, AccountEntity account, PaymentEntity payment, BigDecimal amount) {
        Amounts.requireMinorUnits(amount, payment.currency, "refund");
        BigDecimal pending = em.createQuery("select coalesce(sum(r.amount), 0) from BillingRefund r where r.paymentId = :p and r.state = :s",
                BigDecimal.class).setParameter("p", payment.id).setParameter("s", RefundEntity.PENDING).getSingleResult();
        BigDecimal left = payment.amount.subtract(payment.refunded).subtract(pending);
        if (amount.compareTo(left) > 0) {
            throw PlansResource.unprocessable("At most " + Amounts.of(left, payment.currency) + " " + payment.currency + " of this payment can be refunded.",
                    List.of(new io.vessel.web.api.Problem.FieldError("amount", "more than the " + Amounts.of(left, payment.currency) + " left")));
        }
        BigDecimal reversible = Ledger.reversible(em, account, payment);
        if (amount.compareTo(reversible) > 0) {
            throw PlansResource.unprocessable("Only " + Amounts.of(reversible, payment.currency) + " " + payment.currency + " of this payment can be "
                    + "refunded: the rest paid invoices from the balance since; issue a credit note for them first.",
                    List.of(new io.vessel.web.api.Problem.FieldError("amount", "more than the " + Amounts.of(reversible, payment.currency) + " refundable")));
        }
    }

    /**
     * Takes a refund's or chargeback's amount back from the ledger; what cannot be traced is owed on the balance, and
     * credit on the balance then pays what is open again.
     */
    private void giveBack(EntityManager em, PaymentEntity payment, RefundEntity refund) {
        AccountEntity account = AccountsResource.requireAccount(em, payment.tenantId, LockModeType.PESSIMISTIC_WRITE);
        payment.refunded = payment.refunded.add(refund.amount);
        Ledger.GivenBack given = Ledger.giveBack(em, account, payment, refund.amount, clock.instant());
        BigDecimal untraced = given.untraced();
        Prepayments.TakenBack prepaid = Prepayments.takeBack(em, payment.id, given.fromBalance());
        if (prepaid != null) {
            run.creditPrepayment(em, prepaid, clock.instant());
        }
        if (untraced.signum() > 0) {
            account.balance = account.balance.subtract(untraced);
            LOG.warn("Money given back that no invoice or balance held is owed on the balance tenant={} payment={} amount={}", payment.tenantId,
                    payment.id, untraced);
        }
        Ledger.applyBalance(em, account, clock.instant());
    }

    private Registered<PaymentGateway> require(String gatewayId) {
        return gateways.find(gatewayId).orElseThrow(() -> new ProblemException(404, "not-found", "No such payment gateway", "No payment gateway "
                + gatewayId + " is installed."));
    }

    private static ProblemException gatewayProblem(Registered<PaymentGateway> gateway, PaymentGatewayException e) {
        if (e.reason() == PaymentGatewayException.Reason.REFUSED) {
            return new ProblemException(422, "payment-refused", "Payment refused", e.getMessage());
        }
        return new ProblemException(502, "payment-gateway", "Payment gateway failed", "The payment gateway " + gateway.id()
                + " could not be reached: " + e.getMessage());
    }

    private <T> T call(Registered<PaymentGateway> gateway, String what, Callable<T> work) throws PaymentGatewayException {
        try {
            return PluginServices.call(calls, gateway, "payment gateway " + gateway.id() + " " + what, CALL_LIMIT, work);
        } catch (PaymentGatewayException e) {
            throw e;
        } catch (Exception e) {
            throw new PaymentGatewayException(PaymentGatewayException.Reason.UNAVAILABLE, e.getMessage(), e);
        }
    }

    private <T> Optional<T> callQuietly(Registered<PaymentGateway> gateway, String what, Callable<T> work) {
        try {
            return Optional.ofNullable(call(gateway, what, work));
        } catch (PaymentGatewayException e) {
            return Optional.empty();
        }
    }
}
