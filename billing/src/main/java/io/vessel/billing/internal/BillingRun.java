package io.vessel.billing.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.persistence.api.Database;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import io.vessel.kernel.api.UsageService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The billing run: for each account, one document with everything its subscriptions owe that was not invoiced yet
 * ({@link RecurringCharges}) — an invoice, or a credit note when credits outweigh charges. Accounts are billed in
 * chunks, each in one transaction that locks their account rows, so concurrent runs never bill one twice, and that
 * writes the documents, their lines, their numbers and the subscriptions' watermarks together, so a crash leaves no
 * document without lines and no gap in the numbers (a chunk takes a block of numbers under a row lock on its series,
 * in the same transaction). Prepaid balance
 * pays a new invoice at once; a credit note's amount goes to the balance. Runs hourly as a scheduled task (billing is
 * a consumer of the plugin platform's scheduler) and on demand.
 */
@Component(service = {BillingRun.class, ScheduledTask.class}, configurationPid = BillingClock.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {ScheduledTask.NAME + "=billing.invoice-run", ScheduledTask.CRON + "=7 * * * *", ScheduledTask.MISSED + "=" + ScheduledTask.CATCH_UP})
public final class BillingRun implements ScheduledTask {

    private static final Logger LOG = LoggerFactory.getLogger(BillingRun.class);
    static final String INVOICE = "INVOICE";
    static final String CREDIT_NOTE = "CREDIT_NOTE";

    /** What a run did. */
    public record Result(int accounts, List<String> documents, List<UUID> failed) {
    }

    /** Hears how far a run has come: accounts billed so far of all it bills. */
    @FunctionalInterface
    interface Progress {
        void billed(int done, int of);
    }

    private final Database database;
    private final BillingClock clock;

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile InvoiceDocuments pdfs;

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.UsageService usage;
    private final BillingClock.Config config;

    @Activate
    public BillingRun(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                      @Reference BillingClock clock, BillingClock.Config config) {
        this.database = database;
        this.clock = clock;
        this.config = config;
        InvoiceNumbers.check(config.invoice_number_format());
        InvoiceNumbers.check(config.credit_note_number_format());
        interrupted();
    }

    @Override
    public void run(TaskRun run) {
        if (clock.movable()) {
            // the test clock's time is moved by hand, so runs are asked for by hand too (POST /billing/runs): a scheduled run at
            // a real minute would race the run a test or demo asks for
            LOG.debug("Scheduled billing run skipped: billing runs on the test clock");
            return;
        }
        UUID id = record(null, "schedule");
        Result result = run(tenant -> true, id, (done, of) -> { });
        if (result.documents().isEmpty() && result.failed().isEmpty()) {
            // an hourly run that found nothing due leaves no record: the list of runs shows those that did something
            database.run(em -> em.remove(em.find(RunEntity.class, id)));
        }
        LOG.info("Billing run accounts={} documents={}", result.accounts(), result.documents().size());
    }

    /** Records a run about to start (queued), of {@code owner}'s administrator (null: scheduled); answers its id. */
    UUID record(UUID owner, String by) {
        UUID id = UUID.randomUUID();
        database.run(em -> em.persist(new RunEntity(id, owner, by, clock.instant())));
        return id;
    }

    /** Links a recorded run to the operation that tracks it. */
    void tracked(UUID run, UUID operation) {
        database.run(em -> em.find(RunEntity.class, run).operationId = operation);
    }

    /** Marks the runs a stopped panel left unfinished: what they billed is billed, the rest waits for the next run. */
    private void interrupted() {
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        int left = database.inTransaction(em -> em.createNativeQuery("update billing_run set state = ?1 where state in (?2, ?3)")
                .setParameter(1, RunEntity.INTERRUPTED).setParameter(2, RunEntity.QUEUED).setParameter(3, RunEntity.RUNNING).executeUpdate());
        if (left > 0) {
            LOG.warn("Billing runs were interrupted by the panel's stop; the next run bills what they did not runs={}", left);
        }
    }


    /**
     * Bills every account whose tenant {@code visible} accepts, {@code billing.run.chunk} accounts to a transaction (few
     * round trips and commits per account, yet short locks; their rows
     * locked in one order, oldest account first, so concurrent runs wait for each other rather than deadlock, and
     * numbers follow the accounts' age); a chunk that fails is billed
     * again one account at a time, so one broken account holds up nobody else.
     */
    Result run(Predicate<UUID> visible, UUID runId, Progress progress) {
        return run(visible, runId, progress, false);
    }

    /**
     * A run; with {@code usageSoFar}, the metered usage of the period so far is invoiced now too (an administrator
     * invoicing a customer at once), and the rest of the period is later priced on top of it.
     */
    Result run(Predicate<UUID> visible, UUID runId, Progress progress, boolean usageSoFar) {
        List<String> documents = new ArrayList<>();
        List<UUID> failed = new ArrayList<>();
        try {
            List<UUID> tenants = database.inTransaction(em -> em.createQuery("select a.tenantId from BillingAccount a order by a.createdAt, a.tenantId",
                    UUID.class).getResultList()).stream().filter(visible).toList();
            database.run(em -> {
                RunEntity r = em.find(RunEntity.class, runId);
                r.state = RunEntity.RUNNING;
                r.startedAt = clock.instant();
                r.accounts = tenants.size();
            });
            int size = Math.max(1, config.run_chunk());
            for (int from = 0; from < tenants.size(); from += size) {
                List<UUID> chunk = tenants.subList(from, Math.min(tenants.size(), from + size));
                try {
                    documents.addAll(database.inTransaction(em -> bill(em, chunk, runId, usageSoFar)));
                } catch (RuntimeException e) {
                    LOG.warn("Billing a chunk of accounts failed, billing them one at a time accounts={}: {}", chunk.size(), e.toString());
                    for (UUID tenant : chunk) {
                        try {
                            billAccount(tenant, runId, usageSoFar).ifPresent(documents::add);
                        } catch (RuntimeException single) {
                            // its document waits for the next run; the others are billed
                            LOG.warn("Billing an account failed, its document waits for the next run tenant={}: {}", tenant,
                                    single instanceof TaxEngines.TaxUndecided ? single.getMessage() : single.toString());
                            failed.add(tenant);
                        }
                    }
                }
                int done = from + chunk.size();
                database.run(em -> {
                    RunEntity r = em.find(RunEntity.class, runId);
                    r.accountsDone = done;
                    r.documents = documents.size();
                });
                progress.billed(done, tenants.size());
            }
            finish(runId, RunEntity.DONE, documents.size(), failed);
            InvoiceDocuments pdfs = this.pdfs;
            if (!documents.isEmpty() && pdfs != null) {
                pdfs.soon(); // their PDFs rendered and the customers told now, not at the next minute
            }
            return new Result(tenants.size(), documents, failed);
        } catch (RuntimeException e) {
            finish(runId, RunEntity.FAILED, documents.size(), failed);
            throw e;
        }
    }

    private void finish(UUID runId, String state, int documents, List<UUID> failed) {
        database.run(em -> {
            RunEntity r = em.find(RunEntity.class, runId);
            r.state = state;
            r.finishedAt = clock.instant();
            r.documents = documents;
            String list = String.join(",", failed.stream().map(UUID::toString).toList());
            // the column holds 100 ids; more than that many failing accounts is an outage the log tells about
            r.failedAccounts = list.isEmpty() ? null : list.length() <= 4000 ? list : list.substring(0, list.lastIndexOf(',', 4000));
        });
    }

    /** Bills one account; the number of the document made, if anything was due. Retried once when two runs raced for a new series. */
    Optional<String> billAccount(UUID tenant, UUID runId) {
        return billAccount(tenant, runId, false);
    }

    private Optional<String> billAccount(UUID tenant, UUID runId, boolean usageSoFar) {
        for (int attempt = 1; ; attempt++) {
            try {
                return database.inTransaction(em -> bill(em, List.of(tenant), runId, usageSoFar)).stream().findFirst();
            } catch (PersistenceException e) {
                if (attempt >= 3) {
                    throw e;
                }
                LOG.debug("Billing an account raced another run, trying again tenant={}", tenant, e);
            }
        }
    }

    /** Carries a preview out of the transaction it was made in, undoing that transaction. */
    private static final class Undo extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient UpcomingInvoice.Draft draft;

        Undo(UpcomingInvoice.Draft draft) {
            super(null, null, false, false);
            this.draft = draft;
        }
    }

    /** The account's next document, rated by this run's own code in a transaction that is undone (see {@link UpcomingInvoice}). */
    UpcomingInvoice.Draft preview(UUID tenant) {
        try {
            database.inTransaction(em -> {
                AccountEntity account = AccountsResource.requireAccount(em, tenant, null);
                List<SubscriptionEntity> subscriptions = Subscriptions.of(em, tenant);
                io.vessel.billing.api.BillingCalendar.Period period = AccountsResource.calendar(account)
                        .containing(clock.instant(), io.vessel.billing.api.BillingPeriod.MONTH);
                HeldTimes held = HeldTimes.of(em, List.of(tenant));
                for (Instant at : List.of(clock.instant(), period.end())) {
                    Optional<Draft> draft;
                    String currency = account.currency;
                    try {
                        draft = draft(em, account, subscriptions, at, new HashMap<>(), usage, held, false);
                    } catch (TaxEngines.TaxUndecided e) {
                        throw new io.vessel.web.api.ProblemException(502, "tax-engine", "Tax engine failed", "The tax of the next invoice cannot be"
                                + " decided now: " + e.getMessage() + ".");
                    }
                    if (draft.isPresent()) {
                        InvoiceEntity d = draft.get().document();
                        throw new Undo(new UpcomingInvoice.Draft(tenant.toString(), currency, period.start(), period.end(), at, d.kind,
                                draft.get().lines().stream().map(l -> UpcomingInvoice.line(l, currency)).toList(), Amounts.of(d.subtotal, d.currency),
                                d.taxRate == null ? null : d.taxRate.stripTrailingZeros().toPlainString(), d.taxName, Amounts.of(d.tax, d.currency),
                                d.taxNote, Amounts.of(d.total, d.currency)));
                    }
                    em.clear(); // the first look moved watermarks in memory; the second starts from what is stored
                    subscriptions = Subscriptions.of(em, tenant);
                    account = AccountsResource.requireAccount(em, tenant, null);
                }
                String zero = Amounts.of(BigDecimal.ZERO, account.currency);
                throw new Undo(new UpcomingInvoice.Draft(tenant.toString(), account.currency, period.start(), period.end(), period.end(), null, List.of(),
                        zero, null, null, zero, null, zero));
            });
        } catch (Undo undo) {
            return undo.draft;
        }
        throw new IllegalStateException("unreachable");
    }

    /** A document before it has its number. */
    private record Draft(AccountEntity account, InvoiceEntity document, List<InvoiceLineEntity> lines) {
    }

    /** Bills the accounts of {@code tenants} in the caller's transaction; answers the numbers of the documents made. */
    private List<String> bill(EntityManager em, List<UUID> tenants, UUID runId, boolean usageSoFar) {
        Instant now = clock.instant();
        List<AccountEntity> accounts = em.createQuery("select a from BillingAccount a where a.tenantId in :ids order by a.createdAt, a.tenantId", AccountEntity.class)
                .setParameter("ids", tenants).setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
        Map<UUID, List<SubscriptionEntity>> subscriptions = new HashMap<>();
        em.createQuery("select s from BillingSubscription s where s.tenantId in :ids order by s.startedAt", SubscriptionEntity.class)
                .setParameter("ids", tenants).getResultList().forEach(s -> subscriptions.computeIfAbsent(s.tenantId, t -> new ArrayList<>()).add(s));
        Map<String, Taxes.Treatment> taxes = new HashMap<>();
        List<UUID> metered = subscriptions.values().stream().flatMap(List::stream).filter(s -> s.veId != null).map(s -> s.id).toList();
        if (!metered.isEmpty()) {
            // the chunk's usage watermarks in one query: the rating below finds them in the persistence context
            em.createQuery("select m from BillingUsageMark m where m.subscriptionId in :s", UsageMarkEntity.class).setParameter("s", metered)
                    .getResultList();
        }
        RememberedUsage samples = usage == null ? null : new RememberedUsage(usage);
        if (samples != null && !metered.isEmpty()) {
            // the samples at each account's cutoff, asked in bulk: one transaction for the chunk instead of one per VE and meter
            Map<Instant, List<Integer>> byCutoff = new HashMap<>();
            for (AccountEntity account : accounts) {
                Instant monthStart = AccountsResource.calendar(account).containing(now, io.vessel.billing.api.BillingPeriod.MONTH).start();
                for (SubscriptionEntity s : subscriptions.getOrDefault(account.tenantId, List.of())) {
                    if (s.veId != null) {
                        byCutoff.computeIfAbsent(s.endedAt != null && s.endedAt.isBefore(now) ? s.endedAt : monthStart, c -> new ArrayList<>()).add(s.veId);
                    }
                }
            }
            byCutoff.forEach(samples::prime);
        }
        HeldTimes held = HeldTimes.of(em, tenants);
        List<Draft> drafts = new ArrayList<>();
        for (AccountEntity account : accounts) {
            if (account.externalBilling) {
                continue; // an external billing system invoices it: its usage is only metered, and reported through provisioning
            }
            draft(em, account, subscriptions.getOrDefault(account.tenantId, List.of()), now, taxes, samples, held, usageSoFar).ifPresent(drafts::add);
        }
        // numbers: one block per series for the whole chunk (gapless: the chunk commits or rolls back whole)
        Map<String, List<Draft>> bySeries = new java.util.LinkedHashMap<>();
        for (Draft d : drafts) {
            bySeries.computeIfAbsent(d.document().issuerTenant + "/" + d.document().kind, k -> new ArrayList<>()).add(d);
        }
        for (List<Draft> series : bySeries.values()) {
            InvoiceEntity first = series.get(0).document();
            int year = config.number_yearly() ? now.atZone(ZoneOffset.UTC).getYear() : 0;
            long next = InvoiceNumbers.next(em, first.issuerTenant, first.kind, year, series.size());
            for (Draft d : series) {
                d.document().seriesYear = year;
                d.document().sequence = next;
                d.document().number = InvoiceNumbers.format(numberFormat(em, d.document()), now.atZone(ZoneOffset.UTC).getYear(), next++);
            }
        }
        List<String> numbers = new ArrayList<>();
        for (Draft d : drafts) {
            d.document().runId = runId;
            em.persist(d.document());
        }
        em.flush();
        for (Draft d : drafts) {
            d.lines().forEach(em::persist);
            numbers.add(d.document().number);
        }
        em.flush();
        for (Draft d : drafts) {
            if (d.document().kind.equals(CREDIT_NOTE)) {
                d.account().balance = d.account().balance.add(d.document().total.negate());
            }
            // prepaid credit (a top-up, a credit note) pays what is open, this invoice included
            Ledger.applyBalance(em, d.account(), now);
            LOG.debug("Billed tenant={} document={} number={} total={} {} lines={}", d.account().tenantId, d.document().kind, d.document().number,
                    d.document().total.toPlainString(), d.account().currency, d.lines().size());
        }
        if (!numbers.isEmpty()) {
            // one line a chunk (each document is in the database; a line per document made the log the run's slowest part)
            LOG.info("Billed accounts={} documents={} numbers={}..{}", accounts.size(), numbers.size(), numbers.get(0), numbers.get(numbers.size() - 1));
        }
        return numbers;
    }

    /**
     * What one account owes now beyond what was invoiced, as a document without its number; its subscriptions'
     * watermarks move in the caller's transaction. Empty when nothing is due, or when everything due costs 0.00 (usage
     * within included units or a free tier, a free plan): no document of nothing, and what it covered is done with.
     */
    private Optional<Draft> draft(EntityManager em, AccountEntity account, List<SubscriptionEntity> subscriptions, Instant now,
                                  Map<String, Taxes.Treatment> taxes, UsageService usage, HeldTimes held, boolean usageSoFar) {
        UUID tenant = account.tenantId;
        UUID invoiceId = UUID.randomUUID();
        List<InvoiceLineEntity> lines = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (SubscriptionEntity s : subscriptions) {
            PlanDefinition plan = Subscriptions.plan(em, s);
            RecurringCharges.Due due = RecurringCharges.due(RecurringCharges.Subscription.of(s), plan, AccountsResource.calendar(account), now,
                    plan.suspendedAccrues() ? List.of() : held.of(s));
            List<RecurringCharges.Charge> charges = new ArrayList<>(due.charges());
            // metered usage in arrears: periods that are over, or everything up to the end of a subscription that ended
            Instant cutoff = AccountsResource.calendar(account).containing(now, io.vessel.billing.api.BillingPeriod.MONTH).start();
            if (s.endedAt != null && s.endedAt.isBefore(now)) {
                cutoff = s.endedAt;
            }
            charges.addAll(PluginMeterCharges.due(em, s, plan, AccountsResource.calendar(account), cutoff, now, meters.known()));
            if (s.veId == null && reseller(tenant) && wholesaleByUsage(em, tenant)) {
                charges.addAll(UsageCharges.dueAcross(em, usage, s, plan, cutoff, resellerVes(tenant)));
            } else {
                // so far: up to now, unless the subscription ended before (its usage stops there)
                charges.addAll(UsageCharges.due(em, usage, s, plan, usageSoFar && !(s.endedAt != null && s.endedAt.isBefore(now)) ? now : cutoff,
                        AccountsResource.calendar(account)));
            }
            for (RecurringCharges.Charge c : charges) {
                lines.add(new InvoiceLineEntity(invoiceId, lines.size() + 1, c.kind(), c.description(), s.id, c.quantity(), c.unitPrice(), c.amount(),
                        c.from(), c.to()));
                total = total.add(c.amount());
            }
            s.invoicedUntil = due.invoicedUntil();
            s.setupInvoiced = due.setupInvoiced();
            s.suspensionCreditedUntil = due.suspensionCreditedUntil();
        }
        if (lines.isEmpty() || lines.stream().allMatch(l -> l.amount.signum() == 0)) {
            return Optional.empty();
        }
        String kind = total.signum() < 0 ? CREDIT_NOTE : INVOICE;
        InvoiceEntity invoice = new InvoiceEntity(invoiceId, tenant, account.sellerTenant, kind, account.currency, now,
                now.plus(Duration.ofDays(Math.max(0, config.invoice_due_days()))));
        SellerEntity seller = em.find(SellerEntity.class, account.sellerTenant);
        Taxes.Treatment tax = seller != null && seller.taxEngine != null ? taxEngines.decide(seller.taxEngine, taxRequest(seller, account, kind, now, lines))
                : taxes.computeIfAbsent(account.sellerTenant + "/" + account.country + "/" + account.region + "/" + account.taxId,
                k -> Taxes.treatment(em, account));
        Taxes.Amounts amounts = Taxes.apply(total, tax, io.vessel.billing.api.Money.currency(account.currency));
        invoice.subtotal = amounts.subtotal();
        invoice.tax = amounts.tax();
        invoice.taxRate = tax.rate();
        invoice.taxName = tax.name();
        invoice.taxNote = tax.note();
        invoice.total = amounts.total();
        return Optional.of(new Draft(account, invoice, lines));
    }

    @Reference
    private TaxEngines taxEngines;

    private static io.vessel.billing.api.TaxEngine.Request taxRequest(SellerEntity seller, AccountEntity account, String kind, Instant now,
                                                                     List<InvoiceLineEntity> lines) {
        return new io.vessel.billing.api.TaxEngine.Request(new io.vessel.billing.api.TaxEngine.Party(seller.tenantId, seller.country, null, seller.taxId),
                new io.vessel.billing.api.TaxEngine.Party(account.tenantId, account.country, account.region, account.taxId),
                io.vessel.billing.api.Money.currency(account.currency), seller.pricesIncludeTax, kind, now,
                lines.stream().map(l -> new io.vessel.billing.api.TaxEngine.Line(l.kind, l.description, l.amount)).toList());
    }

    /**
     * The times billing held the chunk's VEs (suspended or stopped by dunning, suspended for traffic), for plans whose
     * suspended subscriptions do not accrue: a subscription with a VE is held while its VE is; one without, while any
     * VE of its tenant is held by dunning (dunning holds them all).
     */
    record HeldTimes(Map<Integer, List<io.vessel.billing.api.BillingCalendar.Period>> byVe,
                     Map<UUID, List<io.vessel.billing.api.BillingCalendar.Period>> byTenant,
                     Map<UUID, List<io.vessel.billing.api.BillingCalendar.Period>> bySubscription) {

        static HeldTimes of(EntityManager em, List<UUID> tenants) {
            Map<Integer, List<io.vessel.billing.api.BillingCalendar.Period>> byVe = new HashMap<>();
            Map<UUID, List<io.vessel.billing.api.BillingCalendar.Period>> byTenant = new HashMap<>();
            Map<UUID, List<io.vessel.billing.api.BillingCalendar.Period>> bySubscription = new HashMap<>();
            for (SuspensionEntity h : em.createQuery("select s from BillingSuspension s where s.tenantId in :t", SuspensionEntity.class)
                    .setParameter("t", tenants).getResultList()) {
                io.vessel.billing.api.BillingCalendar.Period p = new io.vessel.billing.api.BillingCalendar.Period(h.at, h.liftedAt);
                byVe.computeIfAbsent(h.veId, v -> new ArrayList<>()).add(p);
                byTenant.computeIfAbsent(h.tenantId, v -> new ArrayList<>()).add(p);
            }
            for (TrafficActionEntity t : em.createQuery("select t from BillingTrafficAction t where t.tenantId in :t and t.action = 'SUSPEND'",
                    TrafficActionEntity.class).setParameter("t", tenants).getResultList()) {
                bySubscription.computeIfAbsent(t.subscriptionId, v -> new ArrayList<>())
                        .add(new io.vessel.billing.api.BillingCalendar.Period(t.takenAt, t.liftedAt));
            }
            return new HeldTimes(byVe, byTenant, bySubscription);
        }

        List<io.vessel.billing.api.BillingCalendar.Period> of(SubscriptionEntity s) {
            List<io.vessel.billing.api.BillingCalendar.Period> out = new ArrayList<>(bySubscription.getOrDefault(s.id, List.of()));
            out.addAll(s.veId != null ? byVe.getOrDefault(s.veId, List.of()) : byTenant.getOrDefault(s.tenantId, List.of()));
            return out;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.VeService ves;

    @Reference
    private PluginMeters meters;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.identity.api.IdentityService identity;

    /** Whether the tenant is a reseller (from the tenancy tree in memory; a customer needs no database look). */
    private boolean reseller(UUID tenant) {
        io.vessel.identity.api.IdentityService tree = identity;
        return tree == null || tree.tenant(tenant).map(t -> t.kind() == io.vessel.identity.api.TenantKind.RESELLER).orElse(false);
    }

    /** Whether the tenant is a reseller its seller bills for its customers' usage. */
    private static boolean wholesaleByUsage(EntityManager em, UUID tenant) {
        ResellerTermsEntity terms = em.find(ResellerTermsEntity.class, tenant);
        return terms != null && ResellerTermsEntity.USAGE.equals(terms.wholesale);
    }

    /** The VEs of the reseller's customers and its own. */
    private List<Integer> resellerVes(UUID reseller) {
        io.vessel.kernel.api.VeService kernel = ves;
        io.vessel.identity.api.IdentityService tree = identity;
        if (kernel == null || tree == null) {
            return List.of();
        }
        return Resellers.vesUnder(kernel, tree, reseller).stream().map(io.vessel.kernel.api.VirtualEnvironment::id).toList();
    }

    /** Gives the document the next number of its issuer's series for its kind (inside the caller's transaction). */
    private void number(EntityManager em, InvoiceEntity document, Instant now) {
        int year = config.number_yearly() ? now.atZone(ZoneOffset.UTC).getYear() : 0;
        long sequence = InvoiceNumbers.next(em, document.issuerTenant, series(document.kind), year);
        document.seriesYear = year;
        document.sequence = sequence;
        document.number = InvoiceNumbers.format(numberFormat(em, document), now.atZone(ZoneOffset.UTC).getYear(), sequence);
    }

    /** The series a kind of document is numbered in: a prepayment invoice is an invoice. */
    private static String series(String kind) {
        return kind.equals(Prepayments.PREPAYMENT) ? INVOICE : kind;
    }

    /**
     * Receives a payment (applied to the invoice named, open invoices, then the balance) and, where the seller taxes
     * prepaid credit at top-up, documents what it left on the balance with a prepayment invoice: paid, issued now,
     * its tax taken out of the amount at the customer's rate (a top-up is a gross amount).
     */
    void receive(EntityManager em, AccountEntity account, PaymentEntity payment, InvoiceEntity invoice, Instant now) {
        Ledger.receive(em, account, payment, invoice, now);
        SellerEntity seller = em.find(SellerEntity.class, account.sellerTenant);
        if (payment.toBalance.signum() <= 0 || seller == null || !SellerEntity.AT_TOP_UP.equals(seller.prepaidTax)) {
            return;
        }
        Taxes.Treatment rates = Taxes.treatment(em, account);
        Taxes.Amounts amounts = Taxes.apply(payment.toBalance, new Taxes.Treatment(rates.rate(), rates.name(), rates.note(), true),
                io.vessel.billing.api.Money.currency(account.currency));
        InvoiceEntity prepayment = new InvoiceEntity(UUID.randomUUID(), account.tenantId, account.sellerTenant, Prepayments.PREPAYMENT, account.currency,
                now, now);
        prepayment.subtotal = amounts.subtotal();
        prepayment.tax = amounts.tax();
        prepayment.taxRate = rates.rate();
        prepayment.taxName = rates.name();
        prepayment.taxNote = rates.note();
        prepayment.total = payment.toBalance;
        prepayment.amountPaid = payment.toBalance;
        prepayment.paymentId = payment.id;
        prepayment.prepaidLeft = payment.toBalance;
        prepayment.prepaidTaxLeft = amounts.tax();
        number(em, prepayment, now);
        em.persist(prepayment);
        em.flush();
        // the line as the seller's invoices have theirs: with the tax where prices include it, net otherwise
        BigDecimal line = seller.pricesIncludeTax ? amounts.total() : amounts.subtotal();
        em.persist(new InvoiceLineEntity(prepayment.id, 1, "prepayment", "Prepaid credit" + (payment.reference == null ? "" : " (" + payment.reference + ")"),
                null, BigDecimal.ONE, line, line, null, null));
        LOG.info("Prepayment invoice issued tenant={} number={} amount={} {} tax={}", account.tenantId, prepayment.number,
                payment.toBalance.toPlainString(), account.currency, amounts.tax().toPlainString());
    }

    /**
     * Credits the part of a prepayment invoice that a refund or chargeback took back from the balance, in the issuer's
     * credit-note series with that part's tax: the money went back, so did the tax invoiced on it.
     */
    void creditPrepayment(EntityManager em, Prepayments.TakenBack taken, Instant now) {
        InvoiceEntity prepayment = taken.prepayment();
        InvoiceEntity note = creditNote(em, prepayment, taken.amount(), taken.tax(), "Prepaid credit paid back (prepayment invoice "
                + prepayment.number + ")", now);
        LOG.info("Credit note issued tenant={} number={} credits={} amount={} {} by=refund", prepayment.tenantId, note.number, prepayment.number,
                taken.amount().toPlainString(), prepayment.currency);
    }

    /**
     * Issues a credit note of {@code gross} (with {@code tax}) on {@code credited}, numbered in its issuer's series,
     * with one line as the credited document has its lines: with the tax where they hold it, net otherwise.
     */
    private InvoiceEntity creditNote(EntityManager em, InvoiceEntity credited, BigDecimal gross, BigDecimal tax, String description, Instant now) {
        InvoiceEntity note = new InvoiceEntity(UUID.randomUUID(), credited.tenantId, credited.issuerTenant, CREDIT_NOTE, credited.currency, now, now);
        note.total = gross.negate();
        note.tax = tax.negate();
        note.subtotal = gross.subtract(tax).negate();
        note.taxRate = credited.taxRate;
        note.taxName = credited.taxName;
        note.taxNote = credited.taxNote;
        note.creditsInvoice = credited.id;
        note.amountPaid = BigDecimal.ZERO;
        number(em, note, now);
        em.persist(note);
        em.flush();
        BigDecimal lineSum = em.createQuery("select coalesce(sum(l.amount), 0) from BillingInvoiceLine l where l.invoiceId = :i", BigDecimal.class)
                .setParameter("i", credited.id).getSingleResult();
        boolean taxIncluded = lineSum.compareTo(credited.total) == 0; // the lines hold the tax: prices include it (or there is none)
        BigDecimal line = taxIncluded ? note.total : note.subtotal;
        em.persist(new InvoiceLineEntity(note.id, 1, "credit", description, null, BigDecimal.ONE, line, line, null, null));
        return note;
    }

    /** The format of the document's number: its issuer's own, or the panel's. */
    private String numberFormat(EntityManager em, InvoiceEntity document) {
        SellerEntity seller = em.find(SellerEntity.class, document.issuerTenant);
        boolean invoice = series(document.kind).equals(INVOICE);
        String own = seller == null ? null : invoice ? seller.invoiceNumberFormat : seller.creditNoteNumberFormat;
        return own != null ? own : invoice ? config.invoice_number_format() : config.credit_note_number_format();
    }

    /**
     * Issues a credit note for {@code amount} (with tax; null: all not yet credited) of an invoice, in its issuer's
     * credit-note series: an issued invoice never changes, a credit note corrects it. The credit pays what is due on
     * the invoice; what the invoice had been paid beyond that goes back to the balance. Tax comes off in the
     * invoice's proportion.
     */
    InvoiceEntity credit(UUID invoiceId, BigDecimal amount, String reason, String by) {
        return database.inTransaction(em -> {
            InvoiceEntity probe = em.find(InvoiceEntity.class, invoiceId);
            AccountEntity account = em.find(AccountEntity.class, probe.tenantId, LockModeType.PESSIMISTIC_WRITE);
            InvoiceEntity invoice = em.find(InvoiceEntity.class, invoiceId, LockModeType.PESSIMISTIC_WRITE);
            if (!invoice.kind.equals(INVOICE)) {
                throw PlansResource.unprocessable("Document " + invoice.number + " is " + (invoice.kind.equals(CREDIT_NOTE) ? "a credit note"
                        : "a prepayment invoice (refund its payment instead)") + "; only invoices are credited.",
                        List.of(new io.vessel.web.api.Problem.FieldError("id", "an invoice")));
            }
            BigDecimal credited = em.createQuery("select coalesce(sum(c.total), 0) from BillingInvoice c where c.creditsInvoice = :i", BigDecimal.class)
                    .setParameter("i", invoiceId).getSingleResult().negate();
            BigDecimal open = invoice.total.subtract(credited);
            BigDecimal gross = amount == null ? open : amount;
            int digits = io.vessel.billing.api.Money.currency(invoice.currency).getDefaultFractionDigits();
            if (gross.stripTrailingZeros().scale() > digits || gross.signum() <= 0 || gross.compareTo(open) > 0) {
                throw PlansResource.unprocessable("Invoice " + invoice.number + " can be credited by at most " + Amounts.of(open, invoice.currency) + " "
                        + invoice.currency + " (more than 0, at most " + digits + " decimals).",
                        List.of(new io.vessel.web.api.Problem.FieldError("amount", "from 0 to " + Amounts.of(open, invoice.currency))));
            }
            Instant now = clock.instant();
            BigDecimal tax = invoice.tax == null || invoice.total.signum() == 0 ? BigDecimal.ZERO
                    : gross.multiply(invoice.tax).divide(invoice.total, digits, java.math.RoundingMode.HALF_UP);
            InvoiceEntity note = creditNote(em, invoice, gross, tax, "Credit for invoice " + invoice.number + (reason == null || reason.isBlank() ? ""
                    : ": " + reason.strip()), now);
            // the credit settles what is due on the invoice; what it had been paid beyond that goes back to the balance
            BigDecimal due = invoice.total.subtract(invoice.amountPaid).max(BigDecimal.ZERO);
            BigDecimal settles = gross.min(due);
            if (settles.signum() > 0) {
                invoice.amountPaid = invoice.amountPaid.add(settles);
                em.persist(new AllocationEntity(null, invoice.id, settles, "CREDIT_NOTE", now));
            }
            account.balance = account.balance.add(gross.subtract(settles));
            Ledger.applyBalance(em, account, now);
            LOG.info("Credit note issued tenant={} number={} credits={} amount={} {} by={}", invoice.tenantId, note.number, invoice.number,
                    gross.toPlainString(), invoice.currency, by);
            return note;
        });
    }


    /**
     * The kernel's stored samples, each asked once per chunk: every meter of a subscription asks for the same VE's
     * sample at the same cutoff. Reads only; what the chunk does not ask for goes to the kernel as usual.
     */
    private static final class RememberedUsage implements UsageService {
        private final UsageService kernel;
        private final Map<String, Optional<io.vessel.kernel.api.UsageSample>> stored = new HashMap<>();

        RememberedUsage(UsageService kernel) {
            this.kernel = kernel;
        }

        /** Asks the kernel for these VEs' samples at {@code at} in one go. */
        void prime(Instant at, List<Integer> veIds) {
            Map<Integer, io.vessel.kernel.api.UsageSample> found = kernel.storedAtOrBefore(veIds, at);
            for (int ve : veIds) {
                stored.put(ve + "@" + at, Optional.ofNullable(found.get(ve)));
            }
        }

        @Override
        public Optional<io.vessel.kernel.api.UsageSample> storedAtOrBefore(int veId, Instant at) {
            return stored.computeIfAbsent(veId + "@" + at, k -> kernel.storedAtOrBefore(veId, at));
        }

        @Override
        public Optional<io.vessel.kernel.api.UsageSample> current(int veId) {
            return kernel.current(veId);
        }

        @Override
        public List<io.vessel.kernel.api.UsageSample> currentAll() {
            return kernel.currentAll();
        }

        @Override
        public io.vessel.kernel.api.UsageSeries series(int veId, Instant from, Instant to, java.time.Duration step) {
            return kernel.series(veId, from, to, step);
        }
    }
}
