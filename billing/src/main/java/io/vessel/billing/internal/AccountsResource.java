package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.Money;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.Tenant;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/billing/accounts/{tenant}}: a tenant's billing account — who invoices it (its parent: the provider
 * or its reseller), its currency, anchor day and time zone, where it is taxed, its prepaid balance — and the draft of
 * its invoice for the current period ({@code invoices/upcoming}).
 */
@Component(service = {AccountsResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + AccountsResource.KIND})
@Path("billing/accounts")
@Produces(MediaType.APPLICATION_JSON)
public final class AccountsResource implements ObjectOwnership {

    static final String KIND = "billing-account";
    static final String READ = Permissions.BILLING_ACCOUNT_READ;
    static final String MANAGE = Permissions.BILLING_ACCOUNT_MANAGE;

    /** Body of {@code PUT}: everything but the currency may change later; the currency only until the first subscription. */
    public record AccountRequest(String currency, Integer anchorDay, String timeZone, String country, String region, String taxId, String legalName,
                                 String address) {
    }

    /** An account; {@code dunningStep} is how many dunning steps were taken (0: nothing overdue), {@code heldVes} the VEs billing suspended or stopped. */
    public record AccountView(UUID tenant, String seller, String currency, int anchorDay, String timeZone, String country, String region,
                              String taxId, String balance, Instant createdAt, int dunningStep, Instant overdueSince, List<Integer> heldVes,
                              String spendingLimit, String limitAction, String legalName, String address, Instant dunningPausedUntil,
                              boolean externalBilling) {
    }

    /** Body of {@code PUT …/dunning-pause}: no further step until then, or for so many days from now (neither: dunning goes on). */
    public record DunningPause(Instant until, Integer days) {
    }

    /** Pauses dunning for a customer (a promise to pay, a dispute) until a time at most a year ahead, or lifts the pause. */
    @PUT
    @Path("{id}/dunning-pause")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = MANAGE, object = KIND)
    public AccountView pauseDunning(@PathParam("id") String tenant, DunningPause body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        if (caller.tenantId() != null && caller.tenantId().equals(tenant)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "A seller does not pause its own dunning: its seller does.");
        }
        Instant now = clock.instant();
        Instant until = body == null ? null : body.days() != null ? now.plus(java.time.Duration.ofDays(Math.max(0, body.days()))) : body.until();
        if (until != null && (!until.isAfter(now) || until.isAfter(now.plus(java.time.Duration.ofDays(366))))) {
            throw PlansResource.unprocessable("A pause ends in the future, within a year.", List.of(new Problem.FieldError("until", "after now, within a year")));
        }
        UUID id = UUID.fromString(tenant);
        return database.inTransaction(em -> {
            AccountEntity account = requireAccount(em, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            account.dunningPausedUntil = until;
            org.slf4j.LoggerFactory.getLogger(AccountsResource.class).info("Dunning {} tenant={} until={} by={}", until == null ? "resumed" : "paused",
                    tenant, until, caller.getName());
            return view(em, account);
        });
    }

    /** Body of {@code PUT …/spending-limit}: the most to spend per period (null: none) and what reaching it does. */
    public record SpendingLimit(String limit, String action) {
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile Dunning dunning;

    private final Database database;
    private final IdentityService identity;
    private final BillingClock clock;
    private final BillingRun run;

    @Activate
    public AccountsResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                            @Reference IdentityService identity, @Reference BillingClock clock, @Reference BillingRun run) {
        this.database = database;
        this.identity = identity;
        this.clock = clock;
        this.run = run;
    }

    /** The tenants whose accounts {@code caller}'s administrator bills: those below its tenant, not its own. */
    static java.util.function.Predicate<UUID> customersOf(Caller caller) {
        return tenant -> caller.sees(tenant.toString()) && !tenant.toString().equals(caller.tenantId());
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = READ, object = KIND)
    public AccountView getBillingAccount(@PathParam("id") String tenant) {
        UUID id = UUID.fromString(tenant);
        return database.inTransaction(em -> view(em, requireAccount(em, id, null)));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = MANAGE, object = KIND)
    public AccountView putBillingAccount(@PathParam("id") String tenant, AccountRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID id = UUID.fromString(tenant);
        if (caller.tenantId() != null && caller.tenantId().equals(tenant)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "A seller does not bill itself: its seller keeps its billing account.");
        }
        UUID seller = sellerOf(id);
        List<Problem.FieldError> errors = new ArrayList<>();
        AccountRequest r = body == null ? new AccountRequest(null, null, null, null, null, null, null, null) : body;
        String currency = null;
        if (r.currency() != null) {
            try {
                currency = Money.currency(r.currency()).getCurrencyCode();
            } catch (io.vessel.billing.api.InvalidPriceException e) {
                errors.add(new Problem.FieldError("currency", "'" + r.currency() + "' is not an ISO 4217 currency code"));
            }
        }
        if (r.anchorDay() != null && (r.anchorDay() < 1 || r.anchorDay() > 31)) {
            errors.add(new Problem.FieldError("anchorDay", "from 1 to 31"));
        }
        if (r.timeZone() != null) {
            try {
                ZoneId.of(r.timeZone());
            } catch (DateTimeException e) {
                errors.add(new Problem.FieldError("timeZone", "'" + r.timeZone() + "' is not a time zone such as Europe/Berlin"));
            }
        }
        if (r.country() != null && !TaxSettingsResource.COUNTRIES.contains(r.country().toUpperCase(Locale.ROOT))) {
            errors.add(new Problem.FieldError("country", "an ISO 3166 country code such as DE"));
        }
        if (r.taxId() != null && r.taxId().length() > 64) {
            errors.add(new Problem.FieldError("taxId", "at most 64 characters"));
        }
        InvoiceSettingsResource.checkText(r.legalName(), "legalName", 200, false, errors);
        InvoiceSettingsResource.checkText(r.address(), "address", 1000, true, errors);
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The billing account is not valid.", errors);
        }
        String chosenCurrency = currency;
        return database.inTransaction(em -> {
            AccountEntity account = em.find(AccountEntity.class, id);
            if (account == null) {
                if (chosenCurrency == null) {
                    throw PlansResource.unprocessable("A new billing account needs its currency.", List.of(new Problem.FieldError("currency", "required")));
                }
                account = new AccountEntity(id, seller, chosenCurrency, clock.instant().atZone(java.time.ZoneOffset.UTC).getDayOfMonth(), "UTC",
                        clock.instant());
                em.persist(account);
            } else if (chosenCurrency != null && !chosenCurrency.equals(account.currency)) {
                Long subscriptions = em.createQuery("select count(s) from BillingSubscription s where s.tenantId = :t", Long.class)
                        .setParameter("t", id).getSingleResult();
                if (subscriptions > 0) {
                    throw ProblemException.conflict("The account is billed in " + account.currency + " already; its currency does not change.");
                }
                account.currency = chosenCurrency;
            }
            if (r.anchorDay() != null) {
                account.anchorDay = r.anchorDay();
            }
            if (r.timeZone() != null) {
                account.timeZone = ZoneId.of(r.timeZone()).getId();
            }
            if (r.country() != null) {
                account.country = r.country().toUpperCase(Locale.ROOT);
            }
            if (r.region() != null) {
                account.region = r.region().isBlank() ? null : r.region().strip();
            }
            if (r.taxId() != null) {
                account.taxId = r.taxId().isBlank() ? null : r.taxId().strip();
            }
            if (r.legalName() != null) {
                account.legalName = r.legalName().isBlank() ? null : r.legalName().strip();
            }
            if (r.address() != null) {
                account.address = r.address().isBlank() ? null : r.address().strip();
            }
            em.flush();
            return view(em, account);
        });
    }

    /**
     * The account's next document as the billing run will make it (recurring, credits, setup fees, usage so far,
     * tax), issued now if anything is due now, else at the end of the current period. Nothing is written.
     */
    @GET
    @Path("{id}/invoices/upcoming")
    @RequiresPermission(value = READ, object = KIND)
    public UpcomingInvoice.Draft upcomingInvoiceOfAccount(@PathParam("id") String tenant) {
        return run.preview(UUID.fromString(tenant));
    }

    /**
     * Body of {@code POST …/payments}: money received ({@code amount} as a decimal string in the account's currency),
     * how ({@code BANK_TRANSFER}, {@code CASH}, {@code CARD}, {@code OTHER}) with its reference; for one invoice, or
     * (no {@code invoice}) for the oldest open ones, the rest kept as prepaid balance.
     */
    public record PaymentRequest(String amount, String method, String reference, String invoice) {
    }

    /** A payment; {@code appliedTo} shows reversals (refunds, chargebacks) as negative amounts. */
    public record PaymentView(UUID id, String amount, String currency, String method, String reference, String toBalance, Instant receivedAt,
                              String recordedBy, List<Applied> appliedTo, String refunded) {
    }

    /** Where a payment went: the invoice (its number) and how much. */
    public record Applied(UUID invoice, String number, String amount) {
    }

    private static final java.util.Set<String> METHODS = java.util.Set.of("BANK_TRANSFER", "CASH", "CARD", "OTHER");

    @jakarta.ws.rs.POST
    @Path("{id}/payments")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = MANAGE, object = KIND)
    public jakarta.ws.rs.core.Response recordPayment(@PathParam("id") String tenant, PaymentRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID id = UUID.fromString(tenant);
        PaymentRequest r = body == null ? new PaymentRequest(null, null, null, null) : body;
        List<Problem.FieldError> errors = new ArrayList<>();
        java.math.BigDecimal amount = null;
        try {
            amount = new java.math.BigDecimal(r.amount() == null ? "" : r.amount().strip());
            if (amount.signum() <= 0) {
                errors.add(new Problem.FieldError("amount", "more than 0"));
            }
        } catch (NumberFormatException e) {
            errors.add(new Problem.FieldError("amount", "a decimal string such as \"20.00\""));
        }
        String method = r.method() == null ? "" : r.method().strip().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            errors.add(new Problem.FieldError("method", "BANK_TRANSFER, CASH, CARD or OTHER"));
        }
        if (r.reference() != null && r.reference().length() > 200) {
            errors.add(new Problem.FieldError("reference", "at most 200 characters"));
        }
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The payment is not valid.", errors);
        }
        java.math.BigDecimal received = amount;
        PaymentView view = database.inTransaction(em -> {
            AccountEntity account = requireAccount(em, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            Amounts.requireMinorUnits(received, account.currency, "payment");
            Instant now = clock.instant();
            PaymentEntity payment = new PaymentEntity(id, received, account.currency, method, r.reference() == null ? null : r.reference().strip(), now,
                    caller.getName());
            em.persist(payment);
            em.flush();
            InvoiceEntity invoice = null;
            if (r.invoice() != null) {
                invoice = em.find(InvoiceEntity.class, parse(r.invoice()), jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
                if (invoice == null || !invoice.tenantId.equals(id) || !invoice.kind.equals(BillingRun.INVOICE)) {
                    throw PlansResource.unprocessable("The account has no invoice " + r.invoice() + ".", List.of(new Problem.FieldError("invoice", "not this account's")));
                }
                java.math.BigDecimal due = invoice.total.subtract(invoice.amountPaid);
                if (received.compareTo(due) > 0) {
                    throw PlansResource.unprocessable("Invoice " + invoice.number + " has " + due.toPlainString() + " " + invoice.currency
                            + " due; record the payment without an invoice to keep the rest as balance.", List.of(new Problem.FieldError("amount",
                            "more than the " + due.toPlainString() + " due")));
                }
            }
            run.receive(em, account, payment, invoice, now);
            return paymentView(em, payment);
        });
        Dunning d = dunning;
        if (d != null) {
            d.check(id); // paid what was overdue: its VEs run again at once
        }
        return jakarta.ws.rs.core.Response.created(java.net.URI.create("/api/v1/billing/accounts/" + tenant + "/payments")).entity(view).build();
    }

    @GET
    @Path("{id}/payments")
    @RequiresPermission(value = READ, object = KIND)
    public List<PaymentView> paymentsOfAccount(@PathParam("id") String tenant) {
        UUID id = UUID.fromString(tenant);
        return database.inTransaction(em -> em.createQuery("select p from BillingPayment p where p.tenantId = :t order by p.receivedAt", PaymentEntity.class)
                .setParameter("t", id).getResultList().stream().map(p -> paymentView(em, p)).toList());
    }

    static PaymentView paymentView(jakarta.persistence.EntityManager em, PaymentEntity p) {
        List<Applied> applied = em.createQuery("select a from BillingAllocation a where a.paymentId = :p order by a.appliedAt", AllocationEntity.class)
                .setParameter("p", p.id).getResultList().stream().map(a -> new Applied(a.invoiceId, em.find(InvoiceEntity.class, a.invoiceId).number,
                        Amounts.of(a.amount, p.currency))).toList();
        return new PaymentView(p.id, Amounts.of(p.amount, p.currency), p.currency, p.method, p.reference, Amounts.of(p.toBalance, p.currency),
                p.receivedAt, p.recordedBy, applied, Amounts.of(p.refunded, p.currency));
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id.strip());
        } catch (IllegalArgumentException e) {
            throw PlansResource.unprocessable("invoice is not an invoice id.", List.of(new Problem.FieldError("invoice", "an invoice id")));
        }
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.UsageService usage;

    /**
     * The customer's spending limit per period: alerts at 80 % and 100 % of it (each once per period), and with
     * {@code action = block} no new VEs once it is reached.
     */
    @PUT
    @Path("{id}/spending-limit")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.BILLING_SPENDING_LIMIT, object = KIND)
    public AccountView putSpendingLimit(@PathParam("id") String tenant, SpendingLimit body) {
        UUID id = UUID.fromString(tenant);
        SpendingLimit r = body == null ? new SpendingLimit(null, null) : body;
        java.math.BigDecimal limit = null;
        if (r.limit() != null && !r.limit().isBlank()) {
            try {
                limit = new java.math.BigDecimal(r.limit().strip());
            } catch (NumberFormatException e) {
                limit = java.math.BigDecimal.ONE.negate();
            }
            if (limit.signum() <= 0) {
                throw PlansResource.unprocessable("The limit is an amount above 0, as a decimal string.", List.of(new Problem.FieldError("limit", "above 0")));
            }
        }
        String action = r.action() == null ? "ALERT" : r.action().strip().toUpperCase(Locale.ROOT);
        if (!action.equals("ALERT") && !action.equals("BLOCK")) {
            throw PlansResource.unprocessable("Reaching the limit can alert, or block new VEs.", List.of(new Problem.FieldError("action", "alert or block")));
        }
        java.math.BigDecimal chosen = limit;
        return database.inTransaction(em -> {
            AccountEntity account = requireAccount(em, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            account.spendingLimit = chosen;
            account.limitAction = chosen == null ? null : action;
            account.alerted80 = null;
            account.alerted100 = null;
            return view(em, account);
        });
    }

    /** Live cost: the account's current period so far, and projected to its end. */
    @GET
    @Path("{id}/cost")
    @RequiresPermission(value = READ, object = KIND)
    public LiveCost.Cost costOfAccount(@PathParam("id") String tenant) {
        UUID id = UUID.fromString(tenant);
        return database.inTransaction(em -> LiveCost.of(em, requireAccount(em, id, null), usage, clock.instant(), s -> true));
    }

    /** The tenant's account (locked with {@code lock} unless null), or a 404 saying how one is made. */
    static AccountEntity requireAccount(jakarta.persistence.EntityManager em, UUID tenant, jakarta.persistence.LockModeType lock) {
        AccountEntity account = lock == null ? em.find(AccountEntity.class, tenant) : em.find(AccountEntity.class, tenant, lock);
        if (account == null) {
            throw ProblemException.notFound("Tenant " + tenant + " has no billing account yet (it is made with its first subscription, or by PUT).");
        }
        return account;
    }

    /** The tenant's seller: its parent. The provider has none (it is nobody's customer). */
    UUID sellerOf(UUID tenant) {
        Tenant t = identity.tenant(tenant).orElseThrow(() -> ProblemException.notFound("There is no tenant " + tenant + "."));
        if (t.parentId() == null) {
            throw PlansResource.unprocessable("The provider is nobody's customer; it has no billing account.",
                    List.of(new Problem.FieldError("tenant", "the provider")));
        }
        return t.parentId();
    }

    /** A customer as its documents and exports name it: its legal name on the account, else its tenant's name. */
    static String customerName(AccountEntity account, IdentityService identity, UUID tenant) {
        return account != null && account.legalName != null ? account.legalName
                : identity.tenant(tenant).map(io.vessel.identity.api.Tenant::name).orElse(tenant.toString());
    }

    static BillingCalendar calendar(AccountEntity account) {
        return new BillingCalendar(ZoneId.of(account.timeZone), account.anchorDay, account.createdAt.atZone(ZoneId.of(account.timeZone)).getMonthValue());
    }

    private AccountView view(jakarta.persistence.EntityManager em, AccountEntity a) {
        Dunning.State d = Dunning.state(em, a);
        String seller = PlansResource.tenantLabel(identity, a.sellerTenant);
        return new AccountView(a.tenantId, seller, a.currency, a.anchorDay, a.timeZone, a.country, a.region, a.taxId, Amounts.of(a.balance, a.currency),
                a.createdAt, d.step(), d.since(), d.heldVes(), a.spendingLimit == null ? null : Amounts.of(a.spendingLimit, a.currency), a.limitAction,
                a.legalName, a.address, a.dunningPausedUntil, a.externalBilling);
    }

    /** An account belongs to its tenant. */
    @Override
    public Optional<String> ownerOf(String id) {
        try {
            UUID tenant = UUID.fromString(id);
            return identity.tenant(tenant).map(t -> t.id().toString());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
