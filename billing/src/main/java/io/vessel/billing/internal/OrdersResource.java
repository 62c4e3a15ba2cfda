package io.vessel.billing.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.Notifier;
import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.BillingCalendar;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.TenantKind;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.persistence.EntityManager;
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
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/billing/orders}: customers ordering for themselves. The plans their seller offers for ordering
 * ({@code plans}), a VE on one of them (made at once and billed from that moment, within the plan's quotas; or,
 * when the plan says so, a customer's first order waits for the seller's approval), another plan for a subscription
 * with the prorated price shown before ({@code change-preview}), and a cancellation at the period's end. Sellers
 * approve or refuse pending orders.
 */
@Component(service = {OrdersResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + OrdersResource.KIND})
@Path("billing/orders")
@Produces(MediaType.APPLICATION_JSON)
public final class OrdersResource implements ObjectOwnership {

    private static final Logger LOG = LoggerFactory.getLogger(OrdersResource.class);
    static final String KIND = "billing-order";
    static final String ORDER = Permissions.BILLING_ORDER;
    /** A host name as a customer or billing system may ask for one (the kernel checks it again when the VE is made). */
    static final String HOSTNAME = "(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*";

    /** A plan as a customer chooses it: what it costs and what it gives. Amounts are decimal strings. */
    public record OfferedPlan(UUID id, String code, String name, int version, String currency, String period, String price, String setupFee,
                              int trialDays, PlanJson.Quotas quotas, List<String> usageCharges, boolean needsApproval) {
    }

    /** Body of {@code POST}: the plan, the template of the VE and its hostname. */
    public record OrderRequest(String plan, String template, String hostname) {
    }

    /** An order: {@code PENDING} (waits for the seller), {@code PLACED} (made), {@code REJECTED} (with the reason). */
    public record OrderView(UUID id, UUID tenant, UUID plan, String planName, String template, String hostname, String state, String reason,
                            Instant placedAt, String placedBy, Instant decidedAt, String decidedBy, UUID subscription) {
    }

    /** Body of a change: the customer's subscription and the plan to move it to. */
    public record ChangeRequest(String subscription, String plan) {
    }

    /** What a change costs, as the next billing run will charge it (before tax): credit for the old plan, the new one pro rata. */
    public record ChangePreview(String currency, List<UpcomingInvoice.Line> lines, String total, Instant periodEnd) {
    }

    /** Body of a refusal. */
    public record Refusal(String reason) {
    }

    private final Database database;
    private final SubscriptionsResource subscriptions;
    private final AccountsResource accounts;
    private final IdentityService identity;
    private final BillingClock clock;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Notifier notifier;

    @Activate
    public OrdersResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                          @Reference SubscriptionsResource subscriptions, @Reference AccountsResource accounts, @Reference IdentityService identity,
                          @Reference BillingClock clock) {
        this.database = database;
        this.subscriptions = subscriptions;
        this.accounts = accounts;
        this.identity = identity;
        this.clock = clock;
    }

    /** The plans the caller's seller offers for ordering (in the caller's currency once it has an account). */
    @GET
    @Path("plans")
    @RequiresPermission(ORDER)
    public List<OfferedPlan> offeredPlans(@Context SecurityContext security) {
        UUID customer = customer(Caller.of(security));
        UUID seller = accounts.sellerOf(customer);
        return database.inTransaction(em -> {
            AccountEntity account = em.find(AccountEntity.class, customer);
            boolean first = firstOrder(em, customer);
            List<OfferedPlan> out = new ArrayList<>();
            for (PlanEntity p : em.createQuery("select p from BillingPlan p where p.ownerTenant = :s and p.retiredAt is null and p.orderable = true "
                    + "order by p.code", PlanEntity.class).setParameter("s", seller).getResultList()) {
                PlanJson.PlanRequest d = PlanJson.stored(PlansResource.version(em, p, p.latestVersion));
                if (account != null && !account.currency.equals(d.currency())) {
                    continue;
                }
                List<String> usage = d.charges() == null ? List.of() : d.charges().stream().map(c -> c.meter()).toList();
                out.add(new OfferedPlan(p.id, p.code, d.name(), p.latestVersion, d.currency(), d.period(), d.price(), d.setupFee(),
                        d.trialDays() == null ? 0 : d.trialDays(), d.quotas(), usage, needsApproval(em, p) && first));
            }
            return out;
        });
    }

    /**
     * Orders a VE on a plan: {@code 202} with the operation that makes it (billed from now), or {@code 201} with the
     * order when it waits for the seller's approval.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(ORDER)
    public Response placeOrder(OrderRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID customer = customer(caller);
        List<Problem.FieldError> errors = new ArrayList<>();
        UUID planId = null;
        try {
            planId = UUID.fromString(body == null || body.plan() == null ? "" : body.plan().strip());
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError("plan", "a plan id from GET /billing/orders/plans"));
        }
        if (body == null || body.template() == null || body.template().isBlank()) {
            errors.add(new Problem.FieldError("template", "required, e.g. debian-12"));
        }
        if (body != null && body.hostname() != null && !body.hostname().isBlank()
                && !body.hostname().strip().matches(HOSTNAME)) {
            errors.add(new Problem.FieldError("hostname", "letters, digits and hyphens, dot-separated, e.g. web1.example.com"));
        }
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The order is not complete.", errors);
        }
        UUID plan = planId;
        UUID seller = accounts.sellerOf(customer);
        String hostname = body.hostname() == null || body.hostname().isBlank() ? null : body.hostname().strip();
        OrderEntity order = database.inTransaction(em -> {
            refuseWhileHeld(em, customer);
            PlanEntity p = onOffer(em, plan, seller);
            OrderEntity o = new OrderEntity(customer, seller, plan, p.latestVersion, body.template().strip(), hostname, caller.getName(), clock.instant());
            if (!(needsApproval(em, p) && firstOrder(em, customer))) {
                o.state = OrderEntity.PLACED;
                o.decidedAt = o.placedAt;
                o.decidedBy = caller.getName();
            }
            em.persist(o);
            return o;
        });
        LOG.info("Order placed order={} tenant={} plan={} state={} by={}", order.id, customer, plan, order.state, caller.getName());
        if (OrderEntity.PENDING.equals(order.state)) {
            return Response.created(URI.create("/api/v1/billing/orders/" + order.id)).entity(view(order)).build();
        }
        return make(order);
    }

    /** The caller's orders (a customer's own; a seller's administrators: its customers', {@code state} to filter). */
    @GET
    @RequiresPermission(Permissions.BILLING_SUBSCRIPTION_READ)
    public List<OrderView> listOrders(@QueryParam("state") String state, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> em.createQuery("select o from BillingOrder o order by o.placedAt desc", OrderEntity.class)
                .getResultList().stream().filter(o -> caller.sees(o.tenantId.toString()))
                .filter(o -> state == null || state.equalsIgnoreCase(o.state)).map(o -> view(em, o)).toList());
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.BILLING_SUBSCRIPTION_READ, object = KIND)
    public OrderView getOrder(@PathParam("id") String id) {
        return database.inTransaction(em -> view(em, em.find(OrderEntity.class, UUID.fromString(id))));
    }

    /** A seller's administrator approves a pending order: the VE is made now ({@code 202} with the operation). */
    @POST
    @Path("{id}/approve")
    @RequiresPermission(value = Permissions.BILLING_SUBSCRIPTION_MANAGE, object = KIND)
    public Response approveOrder(@PathParam("id") String id, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        OrderEntity order = decide(UUID.fromString(id), caller, OrderEntity.PLACED, null);
        return make(order);
    }

    /** A seller's administrator refuses a pending order, saying why; the customer is told. */
    @POST
    @Path("{id}/reject")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(value = Permissions.BILLING_SUBSCRIPTION_MANAGE, object = KIND)
    public OrderView rejectOrder(@PathParam("id") String id, Refusal body, @Context SecurityContext security) {
        String reason = body == null || body.reason() == null || body.reason().isBlank() ? "not approved" : body.reason().strip();
        List<Problem.FieldError> errors = new ArrayList<>();
        InvoiceSettingsResource.checkText(reason, "reason", 1000, true, errors);
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The reason is not valid.", errors);
        }
        OrderEntity order = decide(UUID.fromString(id), Caller.of(security), OrderEntity.REJECTED, reason);
        Notifier n = notifier;
        if (n != null) {
            n.notifyTenant(order.tenantId, new Notification("billing.order.rejected", "Your order was not accepted",
                    "Your order of a server was not accepted: " + reason + ".", Map.of("order", order.id.toString(), "reason", reason)));
        }
        return view(order);
    }

    /** What moving one of the caller's subscriptions to another plan now would charge (nothing is changed). */
    @GET
    @Path("change-preview")
    @RequiresPermission(ORDER)
    public ChangePreview previewChange(@QueryParam("subscription") String subscription, @QueryParam("plan") String plan,
                                       @Context SecurityContext security) {
        UUID customer = customer(Caller.of(security));
        UUID subscriptionId = id(subscription, "subscription");
        UUID planId = id(plan, "plan");
        return database.inTransaction(em -> {
            SubscriptionEntity old = own(em, customer, subscriptionId);
            AccountEntity account = em.find(AccountEntity.class, customer);
            PlanEntity next = onOffer(em, planId, account.sellerTenant);
            PlanDefinition from = Subscriptions.plan(em, old);
            PlanDefinition to = PlanJson.read(PlansResource.version(em, next, next.latestVersion));
            Instant now = clock.instant();
            BillingCalendar calendar = AccountsResource.calendar(account);
            RecurringCharges.Subscription ended = RecurringCharges.Subscription.of(old);
            ended = new RecurringCharges.Subscription(ended.startedAt(), ended.trialEndsAt(), ended.cancelAt(), now, ended.invoicedUntil(),
                    ended.setupInvoiced(), ended.suspensionCreditedUntil());
            List<RecurringCharges.Charge> charges = new ArrayList<>(RecurringCharges.due(ended, from, calendar, now).charges());
            charges.addAll(RecurringCharges.due(new RecurringCharges.Subscription(now, null, null, null, null, true), to, calendar, now).charges());
            List<UpcomingInvoice.Line> lines = charges.stream().map(c -> new UpcomingInvoice.Line(c.kind(), c.description(), old.id.toString(),
                    c.quantity().stripTrailingZeros().toPlainString(), c.unitPrice().toPlainString(), Amounts.of(c.amount(), account.currency),
                    c.from(), c.to())).toList();
            BigDecimal total = charges.stream().map(RecurringCharges.Charge::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            return new ChangePreview(account.currency, lines, Amounts.of(total, account.currency), calendar.containing(now, to.period()).end());
        });
    }

    /** Moves one of the caller's subscriptions to another plan on offer now (see {@code change-preview} for the price). */
    @POST
    @Path("change")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(ORDER)
    public SubscriptionsResource.SubscriptionView changePlan(ChangeRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID customer = customer(caller);
        UUID subscriptionId = id(body == null ? null : body.subscription(), "subscription");
        UUID planId = id(body.plan(), "plan");
        UUID seller = accounts.sellerOf(customer);
        database.inTransaction(em -> {
            own(em, customer, subscriptionId);
            refuseWhileHeld(em, customer);
            return onOffer(em, planId, seller);
        });
        return subscriptions.change(subscriptionId, planId, null, caller.getName());
    }

    /** Cancels one of the caller's subscriptions at the end of its period (what is paid runs until then). */
    @POST
    @Path("cancel")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(ORDER)
    public SubscriptionsResource.SubscriptionView cancel(ChangeRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID customer = customer(caller);
        UUID subscriptionId = id(body == null ? null : body.subscription(), "subscription");
        database.inTransaction(em -> own(em, customer, subscriptionId));
        return subscriptions.cancel(subscriptionId, "periodEnd", caller.getName());
    }

    @Override
    public Optional<String> ownerOf(String id) {
        try {
            UUID order = UUID.fromString(id);
            return Optional.ofNullable(database.inTransaction(em -> em.find(OrderEntity.class, order))).map(o -> o.tenantId.toString());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return database.inTransaction(em -> em.createQuery("select count(o) from BillingOrder o where o.tenantId = :t", Long.class)
                .setParameter("t", UUID.fromString(tenantId)).getSingleResult());
    }

    /** Makes a placed order: the subscription and its VE (a tracked operation); an order that cannot be made is refused, saying why. */
    private Response make(OrderEntity order) {
        Response made;
        try {
            made = subscriptions.subscribe(order.tenantId, order.planId, order.planVersion, null,
                    new SubscriptionsResource.NewVe(order.template, order.hostname, poolFor(order)), order.placedBy);
        } catch (ProblemException e) {
            database.run(em -> {
                OrderEntity o = em.find(OrderEntity.class, order.id);
                if (o.placedAt.equals(o.decidedAt)) {
                    em.remove(o); // ordered and refused in one request: nothing was made, no order either
                } else {
                    o.state = OrderEntity.PENDING; // approved, but it cannot be made: it waits again, the seller sees why
                    o.reason = e.getMessage();
                    o.decidedAt = null;
                    o.decidedBy = null;
                }
            });
            throw e;
        }
        String location = made.getLocation() == null ? null : made.getLocation().toString();
        database.inTransaction(em -> {
            OrderEntity o = em.find(OrderEntity.class, order.id);
            o.subscriptionId = subscriptionOf(em, order);
            return null;
        });
        LOG.info("Order made order={} tenant={} operation={}", order.id, order.tenantId, location);
        return made;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.NetworkService network;

    /**
     * The address pool the ordered VE's first address comes from: the plan's, else the seller's first pool with a
     * free address (a plan granting no IPv4 address gets none), those every node reaches before those of some nodes
     * only (placement would be bound to those); null when the seller has no such pool.
     */
    private String poolFor(OrderEntity order) {
        io.vessel.kernel.api.NetworkService net = network;
        return database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, order.planId);
            if (plan.orderIpPool != null) {
                return plan.orderIpPool;
            }
            Long ipv4 = PlanJson.read(PlansResource.version(em, plan, order.planVersion)).quotas().ipv4();
            if (net == null || ipv4 != null && ipv4 == 0) {
                return null;
            }
            boolean provider = identity.provider().id().equals(order.sellerTenant);
            return net.pools().stream().filter(p -> PlansResource.sellersPool(p, order.sellerTenant, provider))
                    .filter(p -> p.allocated() < p.capacity())
                    .sorted(java.util.Comparator.comparing((io.vessel.kernel.api.IpPool p) -> p.nodes() != null && !p.nodes().isEmpty())
                            .thenComparing(io.vessel.kernel.api.IpPool::name))
                    .map(io.vessel.kernel.api.IpPool::name).findFirst().orElse(null);
        });
    }

    /** The subscription the order made: the newest of the tenant on that plan. */
    private static UUID subscriptionOf(EntityManager em, OrderEntity order) {
        return em.createQuery("select s.id from BillingSubscription s where s.tenantId = :t and s.planId = :p order by s.createdAt desc", UUID.class)
                .setParameter("t", order.tenantId).setParameter("p", order.planId).setMaxResults(1).getResultStream().findFirst().orElse(null);
    }

    private OrderEntity decide(UUID id, Caller caller, String state, String reason) {
        return database.inTransaction(em -> {
            OrderEntity o = em.find(OrderEntity.class, id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (caller.tenantId() != null && caller.tenantId().equals(o.tenantId.toString())) {
                throw new ProblemException(403, "forbidden", "Forbidden", "A customer does not approve its own orders.");
            }
            if (!OrderEntity.PENDING.equals(o.state)) {
                throw ProblemException.conflict("The order was " + o.state.toLowerCase(java.util.Locale.ROOT) + " already.");
            }
            o.state = state;
            o.reason = reason;
            o.decidedAt = clock.instant();
            o.decidedBy = caller.getName();
            LOG.info("Order decided order={} state={} by={}", o.id, state, caller.getName());
            return o;
        });
    }

    /** A plan the seller offers customers to order (its own, orderable, not retired), or 422 naming {@code plan}. */
    private static PlanEntity onOffer(EntityManager em, UUID planId, UUID seller) {
        PlanEntity p = em.find(PlanEntity.class, planId);
        if (p == null || !p.ownerTenant.equals(seller) || !p.orderable || p.retiredAt != null) {
            throw PlansResource.unprocessable("Your provider offers no plan " + planId + " to order.",
                    List.of(new Problem.FieldError("plan", "not a plan on offer")));
        }
        return p;
    }

    /** Whether a first order of the plan waits: the plan says so, or the provider says so for all of its reseller's customers. */
    private static boolean needsApproval(EntityManager em, PlanEntity plan) {
        if (plan.firstOrderApproval) {
            return true;
        }
        ResellerTermsEntity terms = em.find(ResellerTermsEntity.class, plan.ownerTenant);
        return terms != null && terms.firstOrderApproval;
    }

    /** A customer whose servers billing holds for what is overdue orders nothing and changes no plan until it has paid (409). */
    private static void refuseWhileHeld(EntityManager em, UUID customer) {
        AccountEntity account = em.find(AccountEntity.class, customer);
        if (account != null && !Dunning.state(em, account).heldVes().isEmpty()) {
            throw ProblemException.conflict("Your servers are suspended for an overdue invoice: pay what is due first (Billing page), then order.");
        }
    }

    /** A customer's first order: it has never had a subscription nor an order that was made. */
    private static boolean firstOrder(EntityManager em, UUID customer) {
        return em.createQuery("select count(s) from BillingSubscription s where s.tenantId = :t", Long.class).setParameter("t", customer)
                .getSingleResult() == 0 && em.createQuery("select count(o) from BillingOrder o where o.tenantId = :t and o.state = :s", Long.class)
                .setParameter("t", customer).setParameter("s", OrderEntity.PLACED).getSingleResult() == 0;
    }

    /** The caller's own tenant, which must be a customer: sellers subscribe their customers through {@code /billing/subscriptions}. */
    private UUID customer(Caller caller) {
        UUID tenant = caller.tenantId() == null ? null : UUID.fromString(caller.tenantId());
        if (tenant == null || identity.tenant(tenant).map(t -> t.kind() != TenantKind.CUSTOMER).orElse(true)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "Customers order for themselves; a seller subscribes its customers "
                    + "through /billing/subscriptions.");
        }
        return tenant;
    }

    /** One of the customer's running subscriptions, or 404 (another tenant's is as absent as none). */
    private static SubscriptionEntity own(EntityManager em, UUID customer, UUID subscription) {
        SubscriptionEntity s = em.find(SubscriptionEntity.class, subscription);
        if (s == null || !s.tenantId.equals(customer)) {
            throw ProblemException.notFound("You have no subscription " + subscription + ".");
        }
        if (s.endedAt != null) {
            throw ProblemException.conflict("The subscription has ended.");
        }
        return s;
    }

    private static UUID id(String text, String field) {
        try {
            return UUID.fromString(text == null ? "" : text.strip());
        } catch (IllegalArgumentException e) {
            throw PlansResource.unprocessable(field + " is missing or not an id.", List.of(new Problem.FieldError(field, "an id")));
        }
    }

    private OrderView view(OrderEntity o) {
        return database.inTransaction(em -> view(em, o));
    }

    private static OrderView view(EntityManager em, OrderEntity o) {
        PlanEntity p = em.find(PlanEntity.class, o.planId);
        String planName = p == null ? null : PlanJson.stored(PlansResource.version(em, p, o.planVersion)).name();
        return new OrderView(o.id, o.tenantId, o.planId, planName, o.template, o.hostname, o.state, o.reason, o.placedAt, o.placedBy, o.decidedAt,
                o.decidedBy, o.subscriptionId);
    }
}
