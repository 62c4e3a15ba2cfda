package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.persistence.EntityManager;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/v1/billing/revenue}: the caller's business as a seller (the documents its tenant issued), per
 * currency: monthly recurring revenue of the subscriptions running now, what is outstanding and overdue, and per
 * calendar month (UTC) of the last {@code months} the net amounts invoiced as recurring (with setup fees), usage and
 * credits; per plan, its running subscriptions, their MRR and what it billed in the window. Net of tax; prepayment
 * invoices are not revenue (the credit they document is, when it pays an invoice).
 */
@Component(service = RevenueResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("billing/revenue")
@Produces(MediaType.APPLICATION_JSON)
public final class RevenueResource {

    /** One currency's figures; amounts are decimal strings. */
    public record Revenue(String currency, String mrr, int subscriptions, String outstanding, String overdue, List<Month> months,
                          List<PlanRevenue> plans) {
    }

    public record Month(String month, String recurring, String usage, String credits, String total) {
    }

    public record PlanRevenue(UUID plan, String code, String name, int subscriptions, String mrr, String billed) {
    }

    private final Database database;
    private final BillingClock clock;

    @Activate
    public RevenueResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                           @Reference BillingClock clock) {
        this.database = database;
        this.clock = clock;
    }

    @GET
    @RequiresPermission(PlansResource.READ)
    public List<Revenue> revenue(@QueryParam("months") Integer months, @Context SecurityContext security) {
        int window = months == null ? 12 : months;
        if (window < 1 || window > 120) {
            throw PlansResource.unprocessable("months is from 1 to 120.", List.of(new io.vessel.web.api.Problem.FieldError("months", "from 1 to 120")));
        }
        Caller caller = Caller.of(security);
        if (caller.tenantId() == null) {
            throw new ProblemException(403, "forbidden", "Forbidden", "Revenue is a seller's.");
        }
        UUID seller = UUID.fromString(caller.tenantId());
        Instant now = clock.instant();
        YearMonth last = YearMonth.from(now.atZone(ZoneOffset.UTC));
        YearMonth first = last.minusMonths(window - 1L);
        Instant from = first.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return database.inTransaction(em -> {
            Map<String, Figures> byCurrency = new TreeMap<>();
            documents(em, seller, from, now, byCurrency, first, window);
            subscriptions(em, seller, now, byCurrency);
            List<Revenue> out = new ArrayList<>();
            byCurrency.forEach((currency, f) -> out.add(f.view(currency)));
            return out;
        });
    }

    /** Sums as they are added up, per currency. */
    private static final class Figures {
        BigDecimal mrr = BigDecimal.ZERO;
        int subscriptions;
        BigDecimal outstanding = BigDecimal.ZERO;
        BigDecimal overdue = BigDecimal.ZERO;
        final TreeMap<YearMonth, BigDecimal[]> months = new TreeMap<>();
        final Map<UUID, PlanFigures> plans = new java.util.LinkedHashMap<>();

        Revenue view(String currency) {
            List<Month> m = new ArrayList<>();
            months.forEach((month, a) -> m.add(new Month(month.toString(), Amounts.of(a[0], currency), Amounts.of(a[1], currency),
                    Amounts.of(a[2], currency), Amounts.of(a[0].add(a[1]).add(a[2]), currency))));
            List<PlanRevenue> p = plans.values().stream().map(x -> new PlanRevenue(x.id, x.code, x.name, x.subscriptions, Amounts.of(x.mrr, currency),
                    Amounts.of(x.billed, currency))).toList();
            return new Revenue(currency, Amounts.of(mrr, currency), subscriptions, Amounts.of(outstanding, currency), Amounts.of(overdue, currency), m, p);
        }

        PlanFigures plan(EntityManager em, UUID planId) {
            return plans.computeIfAbsent(planId, id -> {
                PlanEntity plan = em.find(PlanEntity.class, id);
                return new PlanFigures(id, plan.code, PlanJson.stored(PlansResource.version(em, plan, plan.latestVersion)).name());
            });
        }
    }

    private static final class PlanFigures {
        final UUID id;
        final String code;
        final String name;
        int subscriptions;
        BigDecimal mrr = BigDecimal.ZERO;
        BigDecimal billed = BigDecimal.ZERO;

        PlanFigures(UUID id, String code, String name) {
            this.id = id;
            this.code = code;
            this.name = name;
        }
    }

    private static void documents(EntityManager em, UUID seller, Instant from, Instant now, Map<String, Figures> byCurrency, YearMonth first, int window) {
        List<InvoiceEntity> issued = em.createQuery("select i from BillingInvoice i where i.issuerTenant = :s and i.kind <> 'PREPAYMENT'", InvoiceEntity.class)
                .setParameter("s", seller).getResultList();
        Map<UUID, UUID> planOf = new HashMap<>();
        em.createQuery("select s.id, s.planId from BillingSubscription s", Object[].class).getResultList().forEach(r -> planOf.put((UUID) r[0], (UUID) r[1]));
        for (InvoiceEntity i : issued) {
            Figures f = byCurrency.computeIfAbsent(i.currency, c -> empty(first, window));
            BigDecimal due = i.total.subtract(i.amountPaid);
            if (BillingRun.INVOICE.equals(i.kind) && due.signum() > 0) {
                f.outstanding = f.outstanding.add(due);
                if (i.dueAt != null && i.dueAt.isBefore(now)) {
                    f.overdue = f.overdue.add(due);
                }
            }
            if (i.issuedAt.isBefore(from)) {
                continue;
            }
            List<InvoiceLineEntity> lines = em.createQuery("select l from BillingInvoiceLine l where l.invoiceId = :i", InvoiceLineEntity.class)
                    .setParameter("i", i.id).getResultList();
            BigDecimal sum = lines.stream().map(l -> l.amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            // lines of a seller whose prices include tax are gross: each line's net is its share of the document's net
            BigDecimal net = sum.signum() == 0 ? BigDecimal.ONE : i.subtotal.divide(sum, MathContext.DECIMAL64);
            BigDecimal[] month = f.months.get(YearMonth.from(i.issuedAt.atZone(ZoneOffset.UTC)));
            for (InvoiceLineEntity l : lines) {
                BigDecimal amount = l.amount.multiply(net);
                int column = "usage".equals(l.kind) ? 1 : "credit".equals(l.kind) || amount.signum() < 0 ? 2 : 0;
                if (month != null) {
                    month[column] = month[column].add(amount);
                }
                UUID plan = l.subscriptionId == null ? null : planOf.get(l.subscriptionId);
                if (plan != null) {
                    PlanFigures p = f.plan(em, plan);
                    p.billed = p.billed.add(amount);
                }
            }
        }
    }

    private static Figures empty(YearMonth first, int window) {
        Figures f = new Figures();
        for (int m = 0; m < window; m++) {
            f.months.put(first.plusMonths(m), new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
        }
        return f;
    }

    /** Monthly recurring revenue of the subscriptions running now (not in a trial, not paused or ended). */
    private static void subscriptions(EntityManager em, UUID seller, Instant now, Map<String, Figures> byCurrency) {
        List<SubscriptionEntity> running = em.createQuery("select s from BillingSubscription s, BillingPlan p where s.planId = p.id and p.ownerTenant = :s "
                + "and s.endedAt is null", SubscriptionEntity.class).setParameter("s", seller).getResultList();
        for (SubscriptionEntity s : running) {
            if (s.cancelAt != null && !now.isBefore(s.cancelAt) || s.trialEndsAt != null && now.isBefore(s.trialEndsAt)
                    || SubscriptionsResource.PAUSED.equals(s.state)) {
                continue;
            }
            PlanDefinition d = Subscriptions.plan(em, s);
            BigDecimal monthly = switch (d.period()) {
                case MONTH -> d.price();
                case YEAR -> d.price().divide(BigDecimal.valueOf(12), MathContext.DECIMAL64);
                default -> {
                    BigDecimal hours = d.price().multiply(BigDecimal.valueOf(730)); // an average month's hours
                    yield d.monthlyCap() != null && hours.compareTo(d.monthlyCap()) > 0 ? d.monthlyCap() : hours;
                }
            };
            Figures f = byCurrency.computeIfAbsent(d.currency().getCurrencyCode(), c -> empty(YearMonth.from(now.atZone(ZoneOffset.UTC)), 1));
            f.mrr = f.mrr.add(monthly);
            f.subscriptions++;
            PlanFigures p = f.plan(em, s.planId);
            p.subscriptions++;
            p.mrr = p.mrr.add(monthly);
        }
    }
}
