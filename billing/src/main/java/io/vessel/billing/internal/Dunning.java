package io.vessel.billing.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.Notifier;
import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dunning: an account whose oldest open invoice is overdue goes through the configured steps ({@code billing.dunning.steps}:
 * days after it fell due and what happens — {@code remind}, {@code suspend} its VEs, {@code terminate}: stop them, or
 * destroy them when {@code billing.dunning.terminate.destroys}), each step once, with a notification. Once nothing
 * is overdue any more, the VEs billing suspended or stopped run again; VEs suspended by an administrator are never
 * touched, since billing only lifts what it recorded doing itself. The state of the VEs is reconciled at every
 * check (every minute, and at once after a payment), so a crash between a decision and its action only delays it.
 */
@Component(service = {Dunning.class, ScheduledTask.class}, configurationPid = BillingClock.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {ScheduledTask.NAME + "=billing.dunning", ScheduledTask.CRON + "=* * * * *"})
public final class Dunning implements ScheduledTask {

    private static final Logger LOG = LoggerFactory.getLogger(Dunning.class);

    /** One step: {@code days} after the oldest open invoice fell due, {@code action}. */
    record Step(int days, String action) {
    }

    /** What one check did for an account. */
    public record Outcome(UUID tenant, int step, List<String> actions) {
    }

    private final Database database;
    private final BillingClock clock;
    private final VeService ves;
    private final List<Step> steps;
    private final boolean terminateDestroys;
    private final Map<UUID, Object> busy = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Notifier notifier;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.UsageService usage;

    @Activate
    public Dunning(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                   @Reference BillingClock clock, @Reference VeService ves, BillingClock.Config config) {
        this.database = database;
        this.clock = clock;
        this.ves = ves;
        this.steps = parse(config.dunning_steps());
        this.terminateDestroys = config.dunning_terminate_destroys();
    }

    /** {@code "0 remind, 3 remind, 7 suspend, 30 terminate"}, in rising days. */
    static List<Step> parse(String text) {
        List<Step> out = new ArrayList<>();
        int previous = -1;
        for (String part : text.split(",")) {
            String[] words = part.strip().split("\\s+");
            if (words.length != 2 || !words[0].matches("\\d{1,4}") || !List.of("remind", "suspend", "terminate").contains(words[1])) {
                throw new IllegalArgumentException("billing.dunning.steps: '" + part.strip() + "' is not '<days> remind|suspend|terminate'");
            }
            int days = Integer.parseInt(words[0]);
            if (days < previous) {
                throw new IllegalArgumentException("billing.dunning.steps must be in rising days");
            }
            previous = days;
            out.add(new Step(days, words[1]));
        }
        return List.copyOf(out);
    }

    @Override
    public void run(TaskRun run) {
        if (clock.movable()) {
            // as the billing run: on the test clock, dunning is asked for by hand (POST /billing/dunning) and after payments
            return;
        }
        checkAll(tenant -> true);
    }

    List<Outcome> checkAll(Predicate<UUID> visible) {
        List<UUID> tenants = database.inTransaction(em -> em.createQuery("select a.tenantId from BillingAccount a", UUID.class).getResultList());
        List<Outcome> outcomes = new ArrayList<>();
        for (UUID tenant : tenants) {
            if (visible.test(tenant)) {
                Outcome o = check(tenant);
                if (!o.actions().isEmpty()) {
                    outcomes.add(o);
                }
            }
        }
        return outcomes;
    }

    /** Takes the steps now due for the account, and makes its VEs match its state. */
    Outcome check(UUID tenant) {
        synchronized (busy.computeIfAbsent(tenant, t -> new Object())) {
            record Decision(int step, List<Step> taken, String reason, Map<String, Object> facts, List<Alert> alerts) {
            }
            Decision d = database.inTransaction(em -> {
                AccountEntity account = em.find(AccountEntity.class, tenant, LockModeType.PESSIMISTIC_WRITE);
                Instant now = clock.instant();
                List<Alert> alerts = new ArrayList<>(spendingAlerts(em, account, now));
                UsageAlerts.due(em, account, usage, now).forEach(a -> alerts.add(usageAlert(a)));
                List<InvoiceEntity> overdue = overdue(em, tenant, now);
                if (overdue.isEmpty()) {
                    if (account.dunningStep > 0) {
                        LOG.info("Dunning ends tenant={} step={}", tenant, account.dunningStep);
                    }
                    account.dunningStep = 0;
                    account.dunningSince = null;
                    return new Decision(0, List.of(), null, Map.of(), alerts);
                }
                InvoiceEntity oldest = overdue.get(0);
                long days = Duration.between(oldest.dueAt, now).toDays();
                int reached = 0;
                while (reached < steps.size() && steps.get(reached).days() <= days) {
                    reached++;
                }
                if (account.dunningPausedUntil != null && now.isBefore(account.dunningPausedUntil)) {
                    reached = Math.min(reached, account.dunningStep); // paused by the seller: no further step until then
                }
                List<Step> taken = reached > account.dunningStep ? steps.subList(account.dunningStep, reached) : List.of();
                if (account.dunningSince == null) {
                    account.dunningSince = oldest.dueAt;
                }
                account.dunningStep = Math.max(account.dunningStep, reached);
                String reason = "invoice " + oldest.number + " (" + Amounts.of(oldest.total.subtract(oldest.amountPaid), oldest.currency) + " "
                        + oldest.currency + " due) is " + days + " day" + (days == 1 ? "" : "s") + " overdue";
                return new Decision(account.dunningStep, List.copyOf(taken), reason, Map.of("invoice", oldest.number, "daysOverdue", days,
                        "amountDue", Amounts.of(oldest.total.subtract(oldest.amountPaid), oldest.currency), "currency", oldest.currency), alerts);
            });
            List<String> actions = new ArrayList<>();
            for (Alert alert : d.alerts()) {
                actions.add(alert.action());
                send(tenant, alert.notification());
            }
            for (Step step : d.taken()) {
                actions.add(step.action());
                notify(tenant, step.action(), d.reason(), d.facts());
            }
            String enforced = enforcedAction(d.step());
            if (enforced == null) {
                if (lift(tenant) > 0) {
                    actions.add("unsuspend");
                    notify(tenant, "unsuspend", "everything due is paid", Map.of());
                }
            } else {
                enforce(tenant, enforced, "billing: " + d.reason());
            }
            return new Outcome(tenant, d.step(), actions);
        }
    }

    /** An alert to send, and the action it is in a check's outcome ({@code alert-80}, {@code usage-100 cpu.seconds}). */
    private record Alert(String action, Notification notification) {
    }

    /** 80 % or 100 % of what a plan includes of a meter. */
    private static Alert usageAlert(UsageAlerts.Alert a) {
        String used = a.used().setScale(2, java.math.RoundingMode.DOWN).stripTrailingZeros().toPlainString();
        String included = a.included().stripTrailingZeros().toPlainString();
        return new Alert("usage-" + a.level() + " " + a.meter(), new Notification("billing.usage." + a.level(),
                (a.level() >= 100 ? "Included usage used up: " : a.level() + " % of included usage: ") + a.description(),
                "VE " + a.ve() + " used " + used + " of the " + included + " its plan includes this period (" + a.description() + ")"
                        + (a.level() >= 100 ? "; more is charged as the plan says." : "."),
                Map.of("ve", a.ve(), "meter", a.meter(), "used", used, "included", included, "subscription", a.subscription().toString(), "level", a.level())));
    }

    /** The customer's spending limit: alerts at 80 % and 100 % of it, each once per period. */
    private List<Alert> spendingAlerts(EntityManager em, AccountEntity account, Instant now) {
        if (account.spendingLimit == null) {
            return List.of();
        }
        LiveCost.Cost cost = LiveCost.of(em, account, usage, now, s -> true);
        java.math.BigDecimal soFar = new java.math.BigDecimal(cost.soFar());
        String spent = cost.soFar() + " of " + Amounts.of(account.spendingLimit, account.currency) + " " + account.currency;
        List<Alert> out = new ArrayList<>();
        if (soFar.compareTo(account.spendingLimit.multiply(new java.math.BigDecimal("0.8"))) >= 0 && !cost.periodStart().equals(account.alerted80)) {
            account.alerted80 = cost.periodStart();
            out.add(new Alert("alert-80", new Notification("billing.cost.80", "80 % of your spending limit", "Because this period's charges reached "
                    + spent + ".", Map.of("spent", spent))));
        }
        if (soFar.compareTo(account.spendingLimit) >= 0 && !cost.periodStart().equals(account.alerted100)) {
            account.alerted100 = cost.periodStart();
            out.add(new Alert("alert-100", new Notification("billing.cost.100", "Your spending limit is reached", "Because this period's charges reached "
                    + spent + ".", Map.of("spent", spent))));
        }
        return out;
    }

    /** The strongest VE action the steps taken so far call for: {@code SUSPEND}, {@code STOP}, {@code DESTROY} or none. */
    private String enforcedAction(int step) {
        String action = null;
        for (int i = 0; i < step && i < steps.size(); i++) {
            switch (steps.get(i).action()) {
                case "suspend" -> action = action == null ? "SUSPEND" : action;
                case "terminate" -> action = terminateDestroys ? "DESTROY" : "STOP";
                default -> {
                }
            }
        }
        return action;
    }

    private List<VirtualEnvironment> vesOf(UUID tenant) {
        return ves.list().stream().filter(ve -> tenant.toString().equals(ve.owner())).toList();
    }

    private void enforce(UUID tenant, String action, String reason) {
        for (VirtualEnvironment ve : vesOf(tenant)) {
            try {
                if (action.equals("SUSPEND") && ve.state() == VeState.RUNNING) {
                    ves.suspend(ve.id());
                    record(tenant, ve.id(), "SUSPEND", reason);
                } else if (action.equals("STOP") && (ve.state() == VeState.RUNNING || ve.state() == VeState.SUSPENDED && billingSuspended(ve.id()))) {
                    ves.stop(ve.id(), 30);
                    record(tenant, ve.id(), "STOP", reason);
                } else if (action.equals("DESTROY") && ve.state() != VeState.DESTROYED) {
                    LOG.warn("Dunning destroys VE ve={} tenant={} ({})", ve.id(), tenant, reason);
                    ves.destroy(ve.id());
                }
            } catch (RuntimeException e) {
                LOG.warn("Dunning could not {} VE ve={} tenant={}: {}", action.toLowerCase(java.util.Locale.ROOT), ve.id(), tenant, e.getMessage());
            }
        }
    }

    private boolean billingSuspended(int veId) {
        return database.inTransaction(em -> !em.createQuery("select s from BillingSuspension s where s.veId = :v and s.liftedAt is null",
                SuspensionEntity.class).setParameter("v", veId).getResultList().isEmpty());
    }

    private void record(UUID tenant, int veId, String action, String reason) {
        database.run(em -> em.persist(new SuspensionEntity(tenant, veId, action, reason.length() > 500 ? reason.substring(0, 500) : reason,
                clock.instant())));
        LOG.info("Dunning {} VE ve={} tenant={} reason=\"{}\"", action.toLowerCase(java.util.Locale.ROOT), veId, tenant, reason);
    }

    /** Runs again what billing suspended or stopped; answers how many VEs. */
    private int lift(UUID tenant) {
        List<SuspensionEntity> open = database.inTransaction(em -> em.createQuery("select s from BillingSuspension s where s.tenantId = :t"
                + " and s.liftedAt is null order by s.at", SuspensionEntity.class).setParameter("t", tenant).getResultList());
        int lifted = 0;
        java.util.Set<Integer> done = new java.util.HashSet<>();
        for (int i = open.size() - 1; i >= 0; i--) {
            SuspensionEntity s = open.get(i);
            if (done.add(s.veId)) {
                try {
                    VeState state = ves.find(s.veId).map(VirtualEnvironment::state).orElse(VeState.DESTROYED);
                    if (state == VeState.SUSPENDED) {
                        ves.resume(s.veId);
                        lifted++;
                    } else if (state == VeState.STOPPED && s.action.equals("STOP")) {
                        ves.start(s.veId);
                        lifted++;
                    }
                } catch (RuntimeException e) {
                    LOG.warn("Dunning could not lift VE ve={} tenant={}: {}", s.veId, tenant, e.getMessage());
                    continue;
                }
            }
            database.run(em -> em.find(SuspensionEntity.class, s.id).liftedAt = clock.instant());
        }
        if (lifted > 0) {
            LOG.info("Dunning lifted tenant={} ves={}", tenant, lifted);
        }
        return lifted;
    }

    private void notify(UUID tenant, String action, String reason, Map<String, Object> facts) {
        String event = switch (action) {
            case "remind" -> "billing.reminder";
            case "suspend" -> "billing.suspended";
            case "terminate" -> "billing.terminated";
            default -> "billing.unsuspended";
        };
        String subject = switch (action) {
            case "remind" -> "Payment reminder";
            case "suspend" -> "Your servers are suspended";
            case "terminate" -> "Your servers are stopped";
            default -> "Your servers run again";
        };
        send(tenant, new Notification(event, subject, "Because " + reason + ".", facts));
    }

    private void send(UUID tenant, Notification notification) {
        Notifier n = notifier;
        if (n != null) {
            n.notifyTenant(tenant, notification);
        }
    }

    /** The tenant's invoices past due and not fully paid, the oldest first. */
    private static List<InvoiceEntity> overdue(EntityManager em, UUID tenant, Instant now) {
        return em.createQuery("select i from BillingInvoice i where i.tenantId = :t and i.kind = :k and i.amountPaid < i.total and i.dueAt < :now"
                + " order by i.dueAt", InvoiceEntity.class).setParameter("t", tenant).setParameter("k", BillingRun.INVOICE).setParameter("now", now)
                .getResultList();
    }

    /** One account in dunning as its seller overviews it: the step reached, what is due, the next step and when. */
    public record Overview(UUID tenant, int step, String stepAction, Instant overdueSince, String oldestInvoice, String amountDue, String currency,
                           String nextAction, Instant nextAt, Instant pausedUntil) {
    }

    /** The accounts {@code visible} that are in dunning or have something overdue, the longest overdue first. */
    List<Overview> overview(Predicate<UUID> visible) {
        Instant now = clock.instant();
        return database.inTransaction(em -> {
            List<Overview> out = new ArrayList<>();
            for (AccountEntity a : em.createQuery("select a from BillingAccount a", AccountEntity.class).getResultList()) {
                if (!visible.test(a.tenantId)) {
                    continue;
                }
                List<InvoiceEntity> overdue = overdue(em, a.tenantId, now);
                if (overdue.isEmpty() && a.dunningStep == 0) {
                    continue;
                }
                java.math.BigDecimal due = overdue.stream().map(i -> i.total.subtract(i.amountPaid)).reduce(java.math.BigDecimal.ZERO,
                        java.math.BigDecimal::add);
                Instant since = a.dunningSince != null ? a.dunningSince : overdue.isEmpty() ? null : overdue.get(0).dueAt;
                Step next = a.dunningStep < steps.size() ? steps.get(a.dunningStep) : null;
                out.add(new Overview(a.tenantId, a.dunningStep, a.dunningStep == 0 ? null : steps.get(Math.min(a.dunningStep, steps.size()) - 1).action(),
                        since, overdue.isEmpty() ? null : overdue.get(0).number, Amounts.of(due, a.currency), a.currency, next == null ? null : next.action(),
                        next == null || since == null ? null : since.plus(Duration.ofDays(next.days())),
                        a.dunningPausedUntil != null && now.isBefore(a.dunningPausedUntil) ? a.dunningPausedUntil : null));
            }
            out.sort(java.util.Comparator.comparing(Overview::overdueSince, java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())));
            return out;
        });
    }

    /** The account's dunning state for the API: the step reached and the VEs billing holds. */
    record State(int step, Instant since, List<Integer> heldVes) {
    }

    static State state(EntityManager em, AccountEntity account) {
        List<Integer> held = em.createQuery("select s.veId from BillingSuspension s where s.tenantId = :t and s.liftedAt is null", Integer.class)
                .setParameter("t", account.tenantId).getResultList().stream().distinct().toList();
        return new State(account.dunningStep, account.dunningSince, held);
    }
}
