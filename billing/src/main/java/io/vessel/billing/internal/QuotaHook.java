package io.vessel.billing.internal;

import io.vessel.billing.api.PlanQuotas;
import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.kernel.api.hook.VeAction;
import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import io.vessel.persistence.api.Database;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A customer's plans add up to its quota: creating a VE, or giving one more resources, beyond what the customer's
 * running subscriptions allow is refused ({@code 409}) naming the resource, what is in use and what is allowed.
 * Billing enforces it through the same VE lifecycle hook plugins use. A customer without a running subscription is
 * not limited by billing (a provider who does not bill through Vessel keeps its panel as it was); a plan that leaves
 * a quota open leaves it open for the customer. Fails closed: when the quota cannot be checked, the VE is not made.
 */
@Component(service = VeLifecycleHook.class, property = {VeLifecycleHook.NAME + "=billing-quota", VeLifecycleHook.ACTIONS + "=CREATE",
        VeLifecycleHook.ACTIONS + "=CHANGE_LIMITS", VeLifecycleHook.ON_FAILURE + "=refuse"})
public final class QuotaHook implements VeLifecycleHook {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private final Database database;
    private final VeService ves;
    private final BillingClock clock;
    private final io.vessel.identity.api.IdentityService identity;

    @Activate
    public QuotaHook(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                     @Reference VeService ves, @Reference BillingClock clock, @Reference io.vessel.identity.api.IdentityService identity) {
        this.database = database;
        this.ves = ves;
        this.clock = clock;
        this.identity = identity;
    }

    @Override
    public void before(VeLifecycleEvent event) throws VeVeto {
        if (event.owner() == null) {
            return;
        }
        UUID tenant;
        try {
            tenant = UUID.fromString(event.owner());
        } catch (IllegalArgumentException e) {
            return;
        }
        if (event.action() == VeAction.CREATE) {
            String blocked = spendingLimitReached(tenant);
            if (blocked != null) {
                throw VeVeto.conflict(blocked);
            }
        }
        VeLimits wanted = wanted(event);
        checkReseller(event, tenant, wanted);
        List<PlanQuotas> quotas = activeQuotas(tenant);
        if (quotas.isEmpty()) {
            return;
        }
        List<VirtualEnvironment> others = ves.list().stream().filter(ve -> event.owner().equals(ve.owner()) && ve.state() != VeState.DESTROYED
                && ve.state() != VeState.ERROR && ve.id() != event.veId()).toList();
        if (event.action() == VeAction.CREATE) {
            check("VEs", others.size(), 1, Resellers.sum(quotas, PlanQuotas::ves), 1, "");
        }
        check("memory", total(others, VeLimits::memoryBytes, VeLimits.DEFAULTS.memoryBytes()), value(wanted.memoryBytes(), VeLimits.DEFAULTS.memoryBytes()),
                Resellers.sum(quotas, PlanQuotas::memoryMiB), MIB, " MiB");
        check("swap", total(others, VeLimits::swapBytes, VeLimits.DEFAULTS.swapBytes()), value(wanted.swapBytes(), VeLimits.DEFAULTS.swapBytes()),
                Resellers.sum(quotas, PlanQuotas::swapMiB), MIB, " MiB");
        check("disk", total(others, VeLimits::diskBytes, VeLimits.DEFAULTS.diskBytes()), value(wanted.diskBytes(), VeLimits.DEFAULTS.diskBytes()),
                Resellers.sum(quotas, PlanQuotas::diskGiB), GIB, " GiB");
        check("processes", total(others, l -> l.processes() == null ? null : l.processes().longValue(), (long) VeLimits.DEFAULTS.processes()),
                wanted.processes() == null ? VeLimits.DEFAULTS.processes() : wanted.processes(), Resellers.sum(quotas, PlanQuotas::processes), 1, "");
    }

    @org.osgi.service.component.annotations.Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.UsageService usage;

    /** Why no new VE, when the customer chose to block them at its spending limit and reached it; else null. */
    private String spendingLimitReached(UUID tenant) {
        return database.inTransaction(em -> {
            AccountEntity account = em.find(AccountEntity.class, tenant);
            if (account == null || account.spendingLimit == null || !"BLOCK".equals(account.limitAction)) {
                return null;
            }
            LiveCost.Cost cost = LiveCost.of(em, account, usage, clock.instant(), s -> true);
            if (new java.math.BigDecimal(cost.soFar()).compareTo(account.spendingLimit) < 0) {
                return null;
            }
            return "the customer's spending limit of " + Amounts.of(account.spendingLimit, account.currency) + " " + account.currency
                    + " is reached (" + cost.soFar() + " so far this period); no new VEs until the next period or a higher limit";
        });
    }

    /**
     * The limits the VE will have: for a change, a field not named stays as the VE has it (a change of the network
     * rates alone must not be judged as a VE of default size); for a new VE, a field not named takes the default.
     */
    private VeLimits wanted(VeLifecycleEvent event) {
        VeLimits asked = event.limits() == null ? VeLimits.DEFAULTS : event.limits();
        if (event.action() != VeAction.CHANGE_LIMITS) {
            return asked;
        }
        return ves.find(event.veId()).map(VirtualEnvironment::limits).map(asked::over).orElse(asked);
    }

    /** The quotas of the tenant's running (not ended) subscriptions. */
    private List<PlanQuotas> activeQuotas(UUID tenant) {
        return database.inTransaction(em -> Resellers.activeQuotas(em, tenant, clock.instant()));
    }

    /**
     * Under a reseller with an allocation, the VEs of all its customers (and its own) together stay within what it
     * may sell: its allocation times its oversell ratios.
     */
    private void checkReseller(VeLifecycleEvent event, UUID owner, VeLimits wanted) throws VeVeto {
        Optional<UUID> reseller = identity.tenant(owner).flatMap(t -> t.kind() == io.vessel.identity.api.TenantKind.RESELLER ? Optional.of(t.id())
                : Optional.ofNullable(t.parentId()).flatMap(identity::tenant).filter(p -> p.kind() == io.vessel.identity.api.TenantKind.RESELLER)
                .map(io.vessel.identity.api.Tenant::id));
        if (reseller.isEmpty()) {
            return;
        }
        Map<Resellers.Resource, Long> sellable = database.inTransaction(em -> Resellers.sellable(em, reseller.get(), clock.instant()));
        if (sellable.isEmpty()) {
            return;
        }
        Map<String, Long> limits = new java.util.HashMap<>();
        sellable.forEach((r, v) -> limits.put(r.key(), v));
        List<VirtualEnvironment> others = Resellers.vesUnder(ves, identity, reseller.get()).stream().filter(ve -> ve.state() != VeState.DESTROYED
                && ve.state() != VeState.ERROR && ve.id() != event.veId()).toList();
        String whose = " the reseller's allocation times its oversell ratio allows";
        if (event.action() == VeAction.CREATE) {
            check("VEs", others.size(), 1, limits.get("ves"), 1, "", whose);
        }
        check("memory", total(others, VeLimits::memoryBytes, VeLimits.DEFAULTS.memoryBytes()), value(wanted.memoryBytes(), VeLimits.DEFAULTS.memoryBytes()),
                limits.get("memoryMiB"), MIB, " MiB", whose);
        check("disk", total(others, VeLimits::diskBytes, VeLimits.DEFAULTS.diskBytes()), value(wanted.diskBytes(), VeLimits.DEFAULTS.diskBytes()),
                limits.get("diskGiB"), GIB, " GiB", whose);
    }


    private static long total(List<VirtualEnvironment> ves, Function<VeLimits, Long> field, long fallback) {
        return ves.stream().mapToLong(ve -> ve.limits() == null ? fallback : value(field.apply(ve.limits()), fallback)).sum();
    }

    private static long value(Long v, long fallback) {
        return v == null ? fallback : v;
    }

    /** Refuses when {@code used + wanted} (bytes or count) is beyond {@code allowed} (in units of {@code unit}). */
    private static void check(String resource, long used, long wanted, Long allowed, long unit, String unitName) throws VeVeto {
        check(resource, used, wanted, allowed, unit, unitName, " the customer's plans allow");
    }

    private static void check(String resource, long used, long wanted, Long allowed, long unit, String unitName, String whose) throws VeVeto {
        if (allowed == null || used + wanted <= allowed * unit) {
            return;
        }
        throw VeVeto.conflict(resource + ": " + ceil(used, unit) + unitName + " taken and " + ceil(wanted, unit) + unitName
                + " more would go beyond the " + allowed + unitName + whose);
    }

    private static long ceil(long value, long unit) {
        return (value + unit - 1) / unit;
    }
}
