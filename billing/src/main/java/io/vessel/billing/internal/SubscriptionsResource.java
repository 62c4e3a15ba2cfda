package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/billing/subscriptions}: a tenant subscribed to one version of a plan its seller sells. Subscribing
 * makes the tenant's billing account if it has none (in the plan's currency); a plan in another currency than the
 * account's, a retired plan or another seller's plan is refused naming the field. Cancel now or at the period's end.
 */
@Component(service = {SubscriptionsResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + SubscriptionsResource.KIND})
@Path("billing/subscriptions")
@Produces(MediaType.APPLICATION_JSON)
public final class SubscriptionsResource implements ObjectOwnership {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionsResource.class);
    static final String KIND = "subscription";
    static final String READ = Permissions.BILLING_SUBSCRIPTION_READ;
    static final String MANAGE = Permissions.BILLING_SUBSCRIPTION_MANAGE;

    /**
     * Body of {@code POST}: whose subscription, to which plan (its newest version unless {@code version} says), and
     * either the tenant's VE it bills ({@code ve}) or a VE to make for it ({@code newVe}, with the plan's limits).
     */
    public record NewSubscription(String tenant, String plan, Integer version, Integer ve, NewVe newVe) {
    }

    /** A VE ordered with a subscription: its template, hostname, and the pool of its first address (optional). */
    public record NewVe(String template, String hostname, String ipPool) {
    }

    /** Body of {@code POST …/cancel}: {@code now} or {@code periodEnd} (the default). */
    public record Cancellation(String when) {
    }

    /**
     * A subscription; {@code ve} is the VE whose metered usage its plan charges, if any; {@code quotas} what its plan
     * version grants (for showing beside what is used).
     */
    public record SubscriptionView(UUID id, UUID tenant, UUID plan, String planCode, int planVersion, String planName, String state,
                                   Instant startedAt, Instant trialEndsAt, Instant cancelAt, Instant endedAt, String createdBy, Integer ve,
                                   PlanJson.Quotas quotas) {
    }

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.VeService ves;

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.UsageService usage;

    private final Database database;
    private final AccountsResource accounts;
    private final BillingClock clock;

    @Activate
    public SubscriptionsResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                                 @Reference AccountsResource accounts, @Reference BillingClock clock) {
        this.database = database;
        this.accounts = accounts;
        this.clock = clock;
    }

    @GET
    @RequiresPermission(READ)
    public List<SubscriptionView> listSubscriptions(@QueryParam("tenant") String tenant, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> em.createQuery("select s from BillingSubscription s order by s.createdAt", SubscriptionEntity.class)
                .getResultList().stream().filter(s -> caller.sees(s.tenantId.toString()))
                .filter(s -> tenant == null || tenant.equals(s.tenantId.toString())).map(s -> view(em, s)).toList());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(MANAGE)
    public Response createSubscription(NewSubscription body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID tenant = uuid("tenant", body == null ? null : body.tenant());
        UUID planId = uuid("plan", body.plan());
        if (!caller.sees(tenant.toString()) || caller.tenantId().equals(tenant.toString())) {
            throw ProblemException.notFound("There is no customer " + tenant + " of yours.");
        }
        return subscribe(tenant, planId, body.version(), body.ve(), body.newVe(), caller.getName());
    }

    /**
     * Subscribes {@code tenant} (whose seller sells the plan) and, with {@code newVe}, makes its VE: {@code 202} with
     * the operation; else {@code 201} with the subscription. The caller has been checked: a seller's administrator for
     * its customer, or the customer ordering for itself ({@link OrdersResource}).
     */
    Response subscribe(UUID tenant, UUID planId, Integer requestedVersion, Integer ve, NewVe newVe, String by) {
        UUID seller = accounts.sellerOf(tenant);
        Instant now = clock.instant();
        NewSubscription body = new NewSubscription(tenant.toString(), planId.toString(), requestedVersion, ve, newVe);
        if (body.newVe() != null && (body.ve() != null || body.newVe().template() == null || body.newVe().template().isBlank())) {
            throw PlansResource.unprocessable("Order a new VE with a template, or name the tenant's VE; not both.",
                    List.of(new Problem.FieldError("newVe.template", "required, and no ve beside it")));
        }
        if (body.newVe() != null && (ves == null || operations == null)) {
            throw new ProblemException(503, "unavailable", "VEs unavailable", "VEs cannot be made on this panel now.");
        }
        if (body.ve() != null) {
            io.vessel.kernel.api.VeService kernel = ves;
            boolean owned = kernel != null && kernel.find(body.ve()).map(v -> tenant.toString().equals(v.owner())).orElse(false);
            if (!owned) {
                throw PlansResource.unprocessable("The tenant has no VE " + body.ve() + ".", List.of(new Problem.FieldError("ve", "not the tenant's VE")));
            }
        }
        SubscriptionEntity created = database.inTransaction(em -> {
            Chosen chosen = choose(em, seller, planId, body.version());
            AccountEntity account = em.find(AccountEntity.class, tenant, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (account == null) {
                account = new AccountEntity(tenant, seller, chosen.definition().currency().getCurrencyCode(),
                        now.atZone(java.time.ZoneOffset.UTC).getDayOfMonth(), "UTC", now);
                em.persist(account);
                em.flush();
            }
            sameCurrency(account, chosen);
            Resellers.checkSale(em, seller, chosen.definition().quotas(), null, now);
            PlanDefinition d = chosen.definition();
            Instant trialEnd = d.trialDays() > 0 ? now.plus(Duration.ofDays(d.trialDays())) : null;
            SubscriptionEntity s = new SubscriptionEntity(UUID.randomUUID(), tenant, chosen.plan().id, chosen.version(), now, trialEnd, by);
            s.veId = body.ve();
            em.persist(s);
            em.flush();
            UsageCharges.baseline(em, usage, s, d);
            return s;
        });
        LOG.info("Subscribed subscription={} tenant={} plan={} version={} by={}", created.id, tenant, planId, created.planVersion, by);
        if (body.newVe() != null) {
            return orderVe(created, tenant, body.newVe());
        }
        return Response.created(URI.create("/api/v1/billing/subscriptions/" + created.id))
                .entity(database.inTransaction(em -> view(em, em.find(SubscriptionEntity.class, created.id)))).build();
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = READ, object = KIND)
    public SubscriptionView getSubscription(@PathParam("id") String id) {
        return database.inTransaction(em -> view(em, em.find(SubscriptionEntity.class, UUID.fromString(id))));
    }

    /** Ends the subscription now, or at the end of its current period (the default); the recurring price stops there. */
    @POST
    @Path("{id}/cancel")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(value = MANAGE, object = KIND)
    public SubscriptionView cancelSubscription(@PathParam("id") String id, Cancellation body, @Context SecurityContext security) {
        return cancel(UUID.fromString(id), body == null ? null : body.when(), Caller.of(security).getName());
    }

    /** Cancels now or at the period's end ({@code when} null: the period's end). */
    SubscriptionView cancel(UUID id, String requested, String by) {
        String when = requested == null ? "periodEnd" : requested;
        if (!when.equals("now") && !when.equals("periodEnd")) {
            throw PlansResource.unprocessable("Cancel now or at the period's end.", List.of(new Problem.FieldError("when", "now or periodEnd")));
        }
        return database.inTransaction(em -> {
            SubscriptionEntity s = em.find(SubscriptionEntity.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (s.endedAt != null) {
                throw ProblemException.conflict("The subscription ended at " + s.endedAt + ".");
            }
            Instant now = clock.instant();
            if (when.equals("now")) {
                s.endedAt = now;
                s.state = "CANCELLED";
            } else {
                AccountEntity account = em.find(AccountEntity.class, s.tenantId);
                PlanDefinition d = Subscriptions.plan(em, s);
                BillingPeriod kind = d.period() == BillingPeriod.HOUR ? BillingPeriod.HOUR : d.period();
                s.cancelAt = AccountsResource.calendar(account).containing(now, kind).end();
            }
            LOG.info("Subscription cancelled subscription={} when={} by={}", s.id, when, by);
            return view(em, s);
        });
    }

    /**
     * Pauses the subscription now: it ends as a cancellation now does (the next run credits the unused part paid in
     * advance) but may be resumed; its VE is stopped and cannot start while it is paused. Nothing is charged while
     * paused.
     */
    @POST
    @Path("{id}/pause")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(value = MANAGE, object = KIND)
    public SubscriptionView pauseSubscription(@PathParam("id") String id, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        SubscriptionView paused = database.inTransaction(em -> {
            SubscriptionEntity s = em.find(SubscriptionEntity.class, UUID.fromString(id), jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            Instant now = clock.instant();
            if (s.endedAt != null || s.cancelAt != null && !now.isBefore(s.cancelAt)) {
                throw ProblemException.conflict("The subscription has ended" + (PAUSED.equals(s.state) ? " (it is paused; resume it)" : "") + ".");
            }
            s.endedAt = now;
            s.state = PAUSED;
            LOG.info("Subscription paused subscription={} by={}", s.id, caller.getName());
            return view(em, s);
        });
        io.vessel.kernel.api.VeService kernel = ves;
        if (paused.ve() != null && kernel != null) {
            kernel.find(paused.ve()).filter(v -> v.state() == io.vessel.kernel.api.VeState.RUNNING || v.state() == io.vessel.kernel.api.VeState.SUSPENDED)
                    .ifPresent(v -> kernel.stop(v.id(), 30));
        }
        return paused;
    }

    /** Resumes a paused subscription: a new one on the same plan version and VE, charged from now, without setup fee or trial. */
    @POST
    @Path("{id}/resume")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(value = MANAGE, object = KIND)
    public SubscriptionView resumeSubscription(@PathParam("id") String id, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> {
            SubscriptionEntity old = em.find(SubscriptionEntity.class, UUID.fromString(id), jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (!PAUSED.equals(old.state)) {
                throw ProblemException.conflict("The subscription is not paused.");
            }
            PlanEntity plan = em.find(PlanEntity.class, old.planId);
            if (plan.retiredAt != null) {
                throw ProblemException.conflict("Plan " + plan.code + " is retired; subscribe to another plan instead.");
            }
            old.state = RESUMED;
            SubscriptionEntity next = new SubscriptionEntity(UUID.randomUUID(), old.tenantId, old.planId, old.planVersion, clock.instant(), null,
                    caller.getName());
            next.setupInvoiced = true;
            next.veId = old.veId;
            em.persist(next);
            em.flush();
            UsageCharges.baseline(em, usage, next, Subscriptions.plan(em, next));
            LOG.info("Subscription resumed from={} to={} by={}", old.id, next.id, caller.getName());
            return view(em, next);
        });
    }

    static final String PAUSED = "PAUSED";
    /** A paused subscription that a new one continues. */
    static final String RESUMED = "RESUMED";

    /** Body of {@code POST …/change}: the plan (and version) to move to. */
    public record PlanChange(String plan, Integer version) {
    }

    /**
     * Moves the subscription to another plan (upgrade or downgrade) now: the old one ends now — the next billing run
     * credits what was paid in advance and not used — and a new one starts now on the chosen plan, charged pro rata
     * for the rest of the period; no trial and no setup fee on a change. Answers the new subscription.
     */
    @POST
    @Path("{id}/change")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = MANAGE, object = KIND)
    public SubscriptionView changeSubscriptionPlan(@PathParam("id") String id, PlanChange body, @Context SecurityContext security) {
        UUID planId = uuid("plan", body == null ? null : body.plan());
        return change(UUID.fromString(id), planId, body.version(), Caller.of(security).getName());
    }

    /**
     * Moves a subscription to another plan now (see {@link #changeSubscriptionPlan}); its VE gets the new plan's
     * limits at once. The change comes first (the quota check of the larger limits counts the new plan); if the VE
     * refuses the limits (a disk smaller than what it holds), the change is taken back and the caller told why.
     */
    SubscriptionView change(UUID id, UUID planId, Integer version, String by) {
        SubscriptionView next = changePlan(id, planId, version, by);
        io.vessel.kernel.api.VeService kernel = ves;
        if (next.ve() != null && kernel != null && kernel.find(next.ve()).isPresent()) {
            try {
                kernel.update(next.ve(), null, limits(database.inTransaction(em -> Subscriptions.plan(em, em.find(SubscriptionEntity.class, next.id())))
                        .quotas()));
            } catch (io.vessel.kernel.api.VeException e) {
                undoChange(id, next.id());
                throw problem(e, "plan");
            }
        }
        return next;
    }

    /** Takes back a plan change whose VE refused the new limits: the old subscription runs on, the new one never was. */
    private void undoChange(UUID old, UUID next) {
        database.inTransaction(em -> {
            em.createQuery("delete from BillingUsageMark m where m.subscriptionId = :s").setParameter("s", next).executeUpdate();
            em.remove(em.find(SubscriptionEntity.class, next, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE));
            SubscriptionEntity s = em.find(SubscriptionEntity.class, old, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            s.endedAt = null;
            s.state = s.trialEndsAt != null && s.trialEndsAt.isAfter(clock.instant()) ? "TRIAL" : "ACTIVE";
            return null;
        });
        LOG.info("Plan change taken back: the VE refused the new limits subscription={}", old);
    }

    private SubscriptionView changePlan(UUID id, UUID planId, Integer version, String by) {
        PlanChange body = new PlanChange(planId.toString(), version);
        return database.inTransaction(em -> {
            SubscriptionEntity old = em.find(SubscriptionEntity.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            Instant now = clock.instant();
            if (old.endedAt != null || old.cancelAt != null && !now.isBefore(old.cancelAt)) {
                throw ProblemException.conflict("The subscription has ended; subscribe anew instead.");
            }
            AccountEntity account = em.find(AccountEntity.class, old.tenantId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            Chosen chosen = choose(em, account.sellerTenant, planId, body.version());
            sameCurrency(account, chosen);
            if (chosen.plan().id.equals(old.planId) && chosen.version() == old.planVersion) {
                throw PlansResource.unprocessable("The subscription is on that plan and version already.",
                        List.of(new Problem.FieldError("plan", "the current plan")));
            }
            Resellers.checkSale(em, account.sellerTenant, chosen.definition().quotas(), old.id, now);
            old.endedAt = now;
            old.state = "CANCELLED";
            SubscriptionEntity next = new SubscriptionEntity(UUID.randomUUID(), old.tenantId, chosen.plan().id, chosen.version(), now, null, by);
            next.setupInvoiced = true;
            next.veId = old.veId;
            em.persist(next);
            em.flush();
            UsageCharges.baseline(em, usage, next, chosen.definition());
            LOG.info("Subscription changed from={} to={} plan={} version={} by={}", old.id, next.id, chosen.plan().code, chosen.version(), by);
            return view(em, next);
        });
    }

    /** A plan version a tenant of {@code seller} may subscribe to. */
    private record Chosen(PlanEntity plan, int version, PlanDefinition definition) {
    }

    private Chosen choose(jakarta.persistence.EntityManager em, UUID seller, UUID planId, Integer requestedVersion) {
        PlanEntity plan = em.find(PlanEntity.class, planId);
        if (plan == null || !plan.ownerTenant.equals(seller)) {
            throw PlansResource.unprocessable("The tenant's seller sells no plan " + planId + ".",
                    List.of(new Problem.FieldError("plan", "not a plan of the tenant's seller")));
        }
        if (plan.retiredAt != null) {
            throw PlansResource.unprocessable("Plan " + plan.code + " is retired: nobody new subscribes to it.",
                    List.of(new Problem.FieldError("plan", "retired")));
        }
        int version = requestedVersion == null ? plan.latestVersion : requestedVersion;
        if (version < 1 || version > plan.latestVersion) {
            throw PlansResource.unprocessable("Plan " + plan.code + " has no version " + version + ".",
                    List.of(new Problem.FieldError("version", "from 1 to " + plan.latestVersion)));
        }
        return new Chosen(plan, version, PlanJson.read(PlansResource.version(em, plan, version)));
    }

    private static void sameCurrency(AccountEntity account, Chosen chosen) {
        String currency = chosen.definition().currency().getCurrencyCode();
        if (!account.currency.equals(currency)) {
            throw PlansResource.unprocessable("The account is billed in " + account.currency + "; plan " + chosen.plan().code + " is priced in "
                    + currency + ".", List.of(new Problem.FieldError("plan", "another currency")));
        }
    }

    @Override
    public Optional<String> ownerOf(String id) {
        try {
            UUID subscription = UUID.fromString(id);
            return Optional.ofNullable(database.inTransaction(em -> em.find(SubscriptionEntity.class, subscription))).map(s -> s.tenantId.toString());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return database.inTransaction(em -> em.createQuery("select count(s) from BillingSubscription s where s.tenantId = :t", Long.class)
                .setParameter("t", UUID.fromString(tenantId)).getSingleResult());
    }

    private SubscriptionView view(jakarta.persistence.EntityManager em, SubscriptionEntity s) {
        PlanEntity plan = em.find(PlanEntity.class, s.planId);
        PlanVersionEntity version = PlansResource.version(em, plan, s.planVersion);
        PlanDefinition d = PlanJson.read(version);
        Instant now = clock.instant();
        String state = PAUSED.equals(s.state) || RESUMED.equals(s.state) ? s.state : s.endedAt != null || s.cancelAt != null && !now.isBefore(s.cancelAt) ? "CANCELLED"
                : s.trialEndsAt != null && now.isBefore(s.trialEndsAt) ? "TRIAL" : "ACTIVE";
        return new SubscriptionView(s.id, s.tenantId, s.planId, plan.code, s.planVersion, d.name(), state, s.startedAt, s.trialEndsAt, s.cancelAt,
                s.endedAt != null ? s.endedAt : s.cancelAt != null && !now.isBefore(s.cancelAt) ? s.cancelAt : null, s.createdBy, s.veId,
                PlanJson.stored(version).quotas());
    }

    private static UUID uuid(String field, String text) {
        try {
            return UUID.fromString(text == null ? "" : text.strip());
        } catch (IllegalArgumentException e) {
            throw PlansResource.unprocessable("Send {\"tenant\": \"<tenant id>\", \"plan\": \"<plan id>\"}.",
                    List.of(new Problem.FieldError(field, "a tenant or plan id")));
        }
    }

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.operation.OperationService operations;

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.NetworkService network;

    /**
     * Makes the VE ordered with a subscription, with the plan's limits, as a tracked operation (answered {@code 202}).
     * The subscription exists first, so the quota check of the VE counts its plan; if the VE cannot be made, the
     * subscription is taken back (it never charged anything), and nothing is left half-made.
     */
    private Response orderVe(SubscriptionEntity subscription, UUID tenant, NewVe order) {
        io.vessel.kernel.api.VeService kernel = ves;
        io.vessel.api.operation.OperationService tracked = operations;
        PlanDefinition plan = database.inTransaction(em -> Subscriptions.plan(em, em.find(SubscriptionEntity.class, subscription.id)));
        io.vessel.kernel.api.VirtualEnvironment prepared;
        try {
            // the pool goes with the request: placement puts the VE on a node the pool reaches
            prepared = kernel.prepare(new io.vessel.kernel.api.NewVe(order.template().strip(), null, null, order.hostname(), tenant.toString(), false,
                    limits(plan.quotas()), null, null, null, order.ipPool() == null || order.ipPool().isBlank() ? null : order.ipPool().strip()));
        } catch (io.vessel.kernel.api.VeException e) {
            takeBack(subscription.id);
            throw problem(e);
        } catch (RuntimeException e) {
            takeBack(subscription.id);
            throw e;
        }
        int id = prepared.id();
        database.inTransaction(em -> {
            SubscriptionEntity s = em.find(SubscriptionEntity.class, subscription.id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            s.veId = id;
            UsageCharges.baseline(em, usage, s, plan);
            return null;
        });
        io.vessel.api.operation.Operation operation = tracked.submit("billing.order", "ve/" + id, tenant.toString(), progress -> {
            try {
                progress.update(10, "creating VE " + id + " from template " + prepared.template() + " for plan " + plan.name());
                kernel.create(id);
                if (order.ipPool() != null && network != null) {
                    progress.update(90, "allocating an address from " + order.ipPool());
                    network.allocate(id, order.ipPool().strip(), null);
                }
            } catch (RuntimeException e) {
                takeBack(subscription.id);
                throw e;
            }
            return "/api/v1/billing/subscriptions/" + subscription.id;
        });
        return Response.accepted(operation).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }

    /** Ends a subscription whose VE could not be made, as if it had never started (nothing was invoiced yet). */
    private void takeBack(UUID subscription) {
        database.inTransaction(em -> {
            SubscriptionEntity s = em.find(SubscriptionEntity.class, subscription, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (s != null && s.invoicedUntil == null) {
                em.createQuery("delete from BillingUsageMark m where m.subscriptionId = :s").setParameter("s", subscription).executeUpdate();
                em.remove(s);
            } else if (s != null && s.endedAt == null) {
                s.endedAt = s.startedAt;
                s.state = "CANCELLED";
            }
            return null;
        });
        LOG.info("Subscription taken back: its VE could not be made subscription={}", subscription);
    }

    /** The VE limits a plan's quotas grant (a quota the plan leaves open keeps the VE default). */
    static io.vessel.kernel.api.VeLimits limits(io.vessel.billing.api.PlanQuotas q) {
        long mib = 1L << 20;
        long mbit = 1_000_000L;
        return new io.vessel.kernel.api.VeLimits(q.cpuWeight() == null ? null : q.cpuWeight().intValue(),
                q.cpuCapPercent() == null ? null : java.math.BigDecimal.valueOf(q.cpuCapPercent()).movePointLeft(2), null,
                q.memoryMiB() == null ? null : q.memoryMiB() * mib, q.swapMiB() == null ? null : q.swapMiB() * mib,
                q.processes() == null ? null : q.processes().intValue(), q.diskGiB() == null ? null : q.diskGiB() << 30, null,
                q.ioReadMBps() == null ? null : q.ioReadMBps() * mib, q.ioWriteMBps() == null ? null : q.ioWriteMBps() * mib, null, null,
                q.bandwidthMbit() == null ? null : q.bandwidthMbit() * mbit, q.bandwidthMbit() == null ? null : q.bandwidthMbit() * mbit, null);
    }

    /** The kernel's refusal as the caller sees it. */
    private static ProblemException problem(io.vessel.kernel.api.VeException e) {
        return problem(e, "newVe." + (e.field() == null ? "template" : e.field()));
    }

    /** The kernel's refusal as the caller sees it, naming {@code field} where the request was wrong. */
    static ProblemException problem(io.vessel.kernel.api.VeException e, String field) {
        return switch (e.kind()) {
            case CONFLICT -> ProblemException.conflict(e.getMessage());
            case NOT_FOUND, INVALID, UNPROCESSABLE -> PlansResource.unprocessable(e.getMessage(), List.of(new Problem.FieldError(field, e.getMessage())));
            default -> new ProblemException(503, "unavailable", "VEs unavailable", e.getMessage());
        };
    }
}
