package io.vessel.billing.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.Notifier;
import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationService;
import io.vessel.api.operation.OperationState;
import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.identity.api.IdentityAdministration;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.TenantKind;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.ws.rs.container.ContainerRequestContext;
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
import jakarta.ws.rs.core.UriInfo;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/provisioning}: the contract a WHMCS-style billing system drives Vessel through as its "server
 * module" — create a customer's service (customer, owner account and VE on a plan), suspend, unsuspend, terminate,
 * change its package, set its password, a one-time login link, its usage, a connection test and a list for sync.
 * Callers are the administrators of a seller (the provider or a reseller, with an API token holding
 * {@code provisioning}); each sees only the services it made. Only over HTTPS, or from the machine itself.
 *
 * <p>The external system invoices these customers: their billing accounts are marked external, so Vessel meters
 * their usage (and reports it here) but issues no invoices for them.
 *
 * <p>Such systems call synchronously with a time limit (PHP's), and retry. So a create is accepted at once
 * ({@code 202}) and its completion read from the service ({@code state}); the external service id makes it
 * idempotent — sent again, it answers the same service ({@code 200}) and finishes a create that was interrupted;
 * a create that failed leaves nothing behind and may be sent again. A password the panel generated (none was
 * sent) comes with every answer until the service is first read, so a create whose answer was lost still
 * delivers it, and is forgotten after.
 */
@Component(service = ProvisioningResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("provisioning")
@Produces(MediaType.APPLICATION_JSON)
public final class ProvisioningResource {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisioningResource.class);
    static final String API_VERSION = "1";
    /** How long a login link lives: long enough to follow a redirect, too short to be forwarded. */
    static final Duration LOGIN_LINK_LIFETIME = Duration.ofSeconds(60);
    /** A create that has made no progress for this long was interrupted (a crash): sending it again finishes it. */
    static final Duration STALLED = Duration.ofMinutes(2);
    private static final String EXTERNAL_ID = "[A-Za-z0-9][A-Za-z0-9._:-]{0,99}";

    /**
     * Body of a create: the external ids of the service and (optional) of its customer — services of one customer
     * share one Vessel customer —, who the customer is, the login (a password the panel generates when none is
     * sent), the plan (code or id) and the VE (template, hostname, address pool).
     */
    public record NewService(String serviceId, String clientId, String customerName, String email, String username, String password,
                             String plan, String template, String hostname, String ipPool) {
    }

    /**
     * A service. {@code state}: {@code PROVISIONING} (being made), {@code ACTIVE}, {@code SUSPENDED} (with
     * {@code suspendReason}), {@code FAILED} (with {@code error}; nothing is left of it), {@code TERMINATING},
     * {@code TERMINATED}. {@code password} only while a generated password was never read.
     */
    public record ServiceView(String serviceId, String clientId, String state, String error, UUID tenant, String username, String password,
                              Integer ve, String hostname, String plan, String planName, String suspendReason, UUID operation, Instant createdAt,
                              Instant updatedAt) {
    }

    /** Body of a suspension: why (the customer is told). */
    public record Suspension(String reason) {
    }

    /** Limits set one by one (configurable options), within what the customer's plans allow. Null: unchanged. */
    public record Limits(Long memoryMiB, Long swapMiB, Long diskGiB, Long cpuWeight, Long cpuCapPercent, Long processes, Long bandwidthMbit) {
    }

    /** Body of a package change: another plan (code or id), or limits, or both. */
    public record PackageChange(String plan, Limits limits) {
    }

    /** Body of a password change. */
    public record PasswordChange(String password) {
    }

    /** A one-time login link, valid until {@code expiresAt}. */
    public record LoginLinkView(String url, Instant expiresAt) {
    }

    /** How much of a meter a service used. */
    public record MeterUsage(String quantity, String unit) {
    }

    /**
     * A service's usage between {@code from} and {@code to}, in the units such modules report: disk in use now and
     * its limit, traffic (in and out, to anything but the VEs on its bridge) and its monthly allowance in MiB (null:
     * unlimited), and every built-in meter as a decimal string.
     */
    public record Usage(String serviceId, Instant from, Instant to, Long diskUsedMiB, Long diskLimitMiB, Long bandwidthUsedMiB,
                        Long bandwidthLimitMiB, Map<String, MeterUsage> meters, Instant measuredAt) {
    }

    /** A plan a seller could provision. */
    public record PlanSummary(String code, String name, int version, String currency, String period, String price) {
    }

    /** What a connection test answers: who the caller sells as, and its plans. */
    public record Connection(String apiVersion, UUID seller, String sellerName, String caller, List<PlanSummary> plans) {
    }

    private final Database database;
    private final SubscriptionsResource subscriptions;
    private final IdentityService identity;
    private final IdentityAdministration administration;
    private final BillingClock clock;
    private final SecureRandom random = new SecureRandom();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile VeService ves;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile UsageService usage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile OperationService operations;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Notifier notifier;

    @Activate
    public ProvisioningResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                                @Reference SubscriptionsResource subscriptions, @Reference IdentityService identity,
                                @Reference IdentityAdministration administration, @Reference BillingClock clock) {
        this.database = database;
        this.subscriptions = subscriptions;
        this.identity = identity;
        this.administration = administration;
        this.clock = clock;
    }

    // ---- connection test and plans ----------------------------------------------------------------------------

    /** Whether the URL and token work: the seller the caller provisions for, and the plans it may provision. */
    @GET
    @Path("test")
    @RequiresPermission(Permissions.PROVISIONING)
    public Connection testConnection(@Context SecurityContext security, @Context ContainerRequestContext request) {
        Caller caller = secureCaller(security, request);
        UUID seller = seller(caller);
        List<PlanSummary> plans = database.inTransaction(em -> em.createQuery("select p from BillingPlan p where p.ownerTenant = :s "
                + "and p.retiredAt is null order by p.code", PlanEntity.class).setParameter("s", seller).getResultList().stream().map(p -> {
                    PlanJson.PlanRequest d = PlanJson.stored(PlansResource.version(em, p, p.latestVersion));
                    return new PlanSummary(p.code, d.name(), p.latestVersion, d.currency(), d.period(), d.price());
                }).toList());
        return new Connection(API_VERSION, seller, PlansResource.tenantLabel(identity, seller), caller.getName(), plans);
    }

    // ---- create -----------------------------------------------------------------------------------------------

    /**
     * Creates a service: {@code 202} once accepted (read the service for its completion), {@code 200} with the
     * same service when its id was sent before.
     */
    @POST
    @Path("services")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.PROVISIONING)
    public Response createService(NewService body, @Context SecurityContext security, @Context ContainerRequestContext request) {
        Caller caller = secureCaller(security, request);
        UUID seller = seller(caller);
        NewService order = checked(body);
        UUID plan = database.inTransaction(em -> planOf(em, seller, order.plan(), "plan")).id;
        Optional<ProvisionedServiceEntity> before = find(seller, order.serviceId());
        if (before.isEmpty()) {
            try {
                database.run(em -> em.persist(new ProvisionedServiceEntity(seller, order.serviceId(), order.clientId(), order.customerName(),
                        order.email(), order.username(), plan, order.template(), order.hostname(), order.ipPool(), caller.getName(), clock.instant())));
                ProvisionedServiceEntity accepted = find(seller, order.serviceId()).orElseThrow();
                LOG.info("Provisioning accepted service={} client={} seller={} plan={} by={}", order.serviceId(), order.clientId(), seller, plan,
                        caller.getName());
                return answer(advance(accepted, order.password(), caller.getName()), 202);
            } catch (jakarta.persistence.PersistenceException e) {
                // the same id sent twice at once: the other request made it, this one answers it
                before = find(seller, order.serviceId());
                if (before.isEmpty()) {
                    throw e;
                }
            }
        }
        ProvisionedServiceEntity existing = before.get();
        if (!existing.planId.equals(plan) || !java.util.Objects.equals(existing.clientId, order.clientId())) {
            throw ProblemException.conflict("Service " + order.serviceId() + " was ordered before with another plan or customer; "
                    + "a service id names one service.");
        }
        boolean stalled = ProvisionedServiceEntity.PROVISIONING.equals(existing.state) && existing.operationId == null
                && existing.updatedAt.isBefore(clock.instant().minus(STALLED));
        if ((ProvisionedServiceEntity.FAILED.equals(existing.state) || stalled) && claim(existing)) {
            LOG.info("Provisioning again service={} after {}", existing.externalId, stalled ? "an interruption" : "a failure: " + existing.error);
            ProvisionedServiceEntity again = find(seller, order.serviceId()).orElseThrow();
            if (again.tenantId == null) {
                // nothing was made yet: the order as sent now counts (the cause of the failure may be fixed in it)
                update(again, r -> {
                    r.customerName = order.customerName();
                    r.email = order.email();
                    r.username = order.username();
                    r.template = order.template();
                    r.hostname = order.hostname();
                    r.ipPool = order.ipPool();
                });
            }
            return answer(advance(again, order.password(), caller.getName()), 202);
        }
        return answer(refresh(existing), 200);
    }

    /**
     * Makes what the service still lacks — customer, billing account, owner account, subscription with its VE —,
     * saving each step, so that an interrupted create can be finished. A step that fails takes back what this
     * service made and leaves it {@code FAILED}; the caller gets the step's problem.
     */
    private ProvisionedServiceEntity advance(ProvisionedServiceEntity s, String password, String actor) {
        try {
            if (s.tenantId == null) {
                Optional<ProvisionedServiceEntity> sibling = s.clientId == null ? Optional.empty() : sibling(s);
                if (sibling.isPresent()) {
                    update(s, r -> {
                        r.tenantId = sibling.get().tenantId;
                        r.accountId = sibling.get().accountId;
                        r.username = sibling.get().username;
                    });
                } else {
                    UUID tenant = administration.createTenant(s.sellerTenant, TenantKind.CUSTOMER, s.customerName, actor).id();
                    update(s, r -> {
                        r.tenantId = tenant;
                        r.tenantMade = true;
                    });
                }
            }
            database.inTransaction(em -> externalAccount(em, s));
            if (s.accountId == null) {
                String chosen = password == null || password.isEmpty() ? generatedPassword() : password;
                String username = s.username != null ? s.username : "c" + s.externalId.replaceAll("[^A-Za-z0-9._-]", "-");
                UUID account = administration.createAccount(s.tenantId, username, s.email, "customer-owner", chosen, actor).id();
                update(s, r -> {
                    r.accountId = account;
                    r.username = username;
                    r.pendingPassword = password == null || password.isEmpty() ? chosen : null;
                });
            }
            if (s.subscriptionId == null) {
                Response made = subscriptions.subscribe(s.tenantId, s.planId, null, null,
                        new SubscriptionsResource.NewVe(s.template, s.hostname, s.ipPool), actor);
                UUID operation = made.getEntity() instanceof Operation o ? o.id() : null;
                SubscriptionEntity subscription = database.inTransaction(em -> em.createQuery("select s from BillingSubscription s where s.tenantId = :t "
                        + "and s.planId = :p order by s.createdAt desc", SubscriptionEntity.class).setParameter("t", s.tenantId)
                        .setParameter("p", s.planId).setMaxResults(1).getSingleResult());
                update(s, r -> {
                    r.subscriptionId = subscription.id;
                    r.veId = subscription.veId;
                    r.operationId = operation;
                    r.error = null;
                });
            }
            return refresh(s);
        } catch (IllegalArgumentException | IllegalStateException e) {
            String message = e.getMessage() == null ? "refused" : e.getMessage();
            String field = message.startsWith("username") || message.contains("username") ? "username"
                    : message.contains("password") ? "password" : message.startsWith("email") ? "email" : "customerName";
            fail(s, message, actor);
            throw PlansResource.unprocessable("The service was not created: " + message + ".", List.of(new Problem.FieldError(field, message)));
        } catch (ProblemException e) {
            fail(s, e.getMessage(), actor);
            throw e;
        } catch (RuntimeException e) {
            fail(s, "an internal error: " + e.getClass().getSimpleName(), actor);
            throw e;
        }
    }

    /** A service of the same customer that made its tenant and owner account (and was not terminated). */
    private Optional<ProvisionedServiceEntity> sibling(ProvisionedServiceEntity s) {
        return database.inTransaction(em -> em.createQuery("select r from BillingProvisionedService r where r.sellerTenant = :s and r.clientId = :c "
                        + "and r.id <> :id and r.tenantId is not null and r.accountId is not null and r.state not in ('TERMINATED', 'FAILED') "
                        + "order by r.createdAt", ProvisionedServiceEntity.class).setParameter("s", s.sellerTenant).setParameter("c", s.clientId)
                .setParameter("id", s.id).setMaxResults(1).getResultStream().findFirst());
    }

    /** The customer's billing account, made in the plan's currency and marked as invoiced elsewhere. */
    private Void externalAccount(EntityManager em, ProvisionedServiceEntity s) {
        AccountEntity account = em.find(AccountEntity.class, s.tenantId, LockModeType.PESSIMISTIC_WRITE);
        if (account == null) {
            PlanEntity plan = em.find(PlanEntity.class, s.planId);
            PlanDefinition d = PlanJson.read(PlansResource.version(em, plan, plan.latestVersion));
            Instant now = clock.instant();
            account = new AccountEntity(s.tenantId, s.sellerTenant, d.currency().getCurrencyCode(), now.atZone(java.time.ZoneOffset.UTC).getDayOfMonth(),
                    "UTC", now);
            em.persist(account);
        }
        account.externalBilling = true;
        return null;
    }

    /** A failed create: what it made is taken back (unless another service of the customer uses it), and it says why. */
    private void fail(ProvisionedServiceEntity s, String error, String actor) {
        LOG.warn("Provisioning failed service={} seller={}: {}", s.externalId, s.sellerTenant, error);
        takeBack(s, actor);
        update(s, r -> {
            r.state = ProvisionedServiceEntity.FAILED;
            r.error = error == null ? "failed" : error.length() > 1000 ? error.substring(0, 1000) : error;
        });
    }

    private void takeBack(ProvisionedServiceEntity s, String actor) {
        UUID tenant = s.tenantId;
        boolean shared = tenant != null && database.inTransaction(em -> em.createQuery("select count(r) from BillingProvisionedService r "
                + "where r.tenantId = :t and r.id <> :id and r.state not in ('TERMINATED', 'FAILED')", Long.class).setParameter("t", tenant)
                .setParameter("id", s.id).getSingleResult()) > 0;
        if (s.tenantMade && tenant != null && !shared) {
            try {
                identity.accountsOf(tenant).forEach(a -> administration.deleteAccount(a.id(), actor));
                database.run(em -> {
                    long subscribed = em.createQuery("select count(x) from BillingSubscription x where x.tenantId = :t", Long.class)
                            .setParameter("t", tenant).getSingleResult();
                    AccountEntity account = em.find(AccountEntity.class, tenant);
                    if (subscribed == 0 && account != null) {
                        em.remove(account);
                    }
                });
                administration.deleteTenant(tenant, actor);
            } catch (RuntimeException e) {
                LOG.warn("Provisioning could not take back customer tenant={} of service={}: {}", tenant, s.externalId, e.getMessage());
            }
        }
        update(s, r -> {
            if (r.tenantMade || shared) {
                r.tenantId = null;
                r.accountId = null;
                r.tenantMade = false;
            }
            r.subscriptionId = null;
            r.veId = null;
            r.operationId = null;
            r.pendingPassword = null;
        });
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /** The caller's services (all, or one customer's), for the external system's sync. */
    @GET
    @Path("services")
    @RequiresPermission(Permissions.PROVISIONING)
    public List<ServiceView> listServices(@QueryParam("clientId") String clientId, @Context SecurityContext security,
                                          @Context ContainerRequestContext request) {
        UUID seller = seller(secureCaller(security, request));
        List<ProvisionedServiceEntity> all = database.inTransaction(em -> em.createQuery("select r from BillingProvisionedService r "
                + "where r.sellerTenant = :s order by r.createdAt", ProvisionedServiceEntity.class).setParameter("s", seller).getResultList());
        return all.stream().filter(r -> clientId == null || clientId.equals(r.clientId)).map(r -> view(refresh(r), false)).toList();
    }

    /** One service and where it stands; the first read also forgets a generated password (it was delivered). */
    @GET
    @Path("services/{serviceId}")
    @RequiresPermission(Permissions.PROVISIONING)
    public ServiceView getService(@PathParam("serviceId") String serviceId, @Context SecurityContext security, @Context ContainerRequestContext request) {
        ProvisionedServiceEntity s = refresh(require(security, request, serviceId));
        ServiceView view = view(s, true);
        if (s.pendingPassword != null) {
            update(s, r -> r.pendingPassword = null);
        }
        return view;
    }

    /** Catches a service up with its VE: a create finished or failed, a termination done. */
    private ProvisionedServiceEntity refresh(ProvisionedServiceEntity s) {
        if (ProvisionedServiceEntity.PROVISIONING.equals(s.state) && s.operationId != null) {
            OperationService tracked = operations;
            Optional<Operation> op = tracked == null ? Optional.empty() : tracked.find(s.operationId);
            OperationState state = op.map(Operation::state).orElse(null);
            if (state == OperationState.SUCCEEDED || state == null && veIn(s, VeState.STOPPED, VeState.RUNNING)) {
                update(s, r -> r.state = ProvisionedServiceEntity.ACTIVE);
                LOG.info("Provisioning done service={} ve={}", s.externalId, s.veId);
            } else if (state == OperationState.FAILED || state == null) {
                fail(s, "the VE was not made: " + op.map(Operation::error).orElse("its operation was lost"), "provisioning");
            }
        } else if (ProvisionedServiceEntity.TERMINATING.equals(s.state) && ves != null && ve(s).isEmpty()) {
            update(s, r -> r.state = ProvisionedServiceEntity.TERMINATED);
        }
        return s;
    }

    private boolean veIn(ProvisionedServiceEntity s, VeState... states) {
        return ve(s).map(v -> List.of(states).contains(v.state())).orElse(false);
    }

    /**
     * The service's VE while it is still its customer's: an id the service remembers may have been given to
     * another tenant's VE after this one was destroyed elsewhere, and nothing here may touch that one.
     */
    private Optional<VirtualEnvironment> ve(ProvisionedServiceEntity s) {
        VeService kernel = ves;
        if (s.veId == null || s.tenantId == null || kernel == null) {
            return Optional.empty();
        }
        return kernel.find(s.veId).filter(v -> s.tenantId.toString().equals(v.owner()));
    }

    // ---- suspend, unsuspend, terminate ------------------------------------------------------------------------

    /**
     * Suspends a service: its VE is frozen (it keeps its memory and runs on where it stopped when unsuspended), the
     * customer cannot start or resume it, and is told why. Suspending a suspended service changes only the reason.
     */
    @POST
    @Path("services/{serviceId}/suspend")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.PROVISIONING)
    public ServiceView suspendService(@PathParam("serviceId") String serviceId, Suspension body, @Context SecurityContext security,
                                      @Context ContainerRequestContext request) {
        Caller caller = Caller.of(security);
        String reason = body == null || body.reason() == null || body.reason().isBlank() ? "suspended by your provider" : body.reason().strip();
        List<Problem.FieldError> errors = new ArrayList<>();
        InvoiceSettingsResource.checkText(reason, "reason", 500, false, errors);
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The reason is not valid.", errors);
        }
        ProvisionedServiceEntity s = live(require(security, request, serviceId), "suspended");
        boolean first = ProvisionedServiceEntity.ACTIVE.equals(s.state);
        // marked first, so that from this moment the VE cannot be started or resumed by its customer
        update(s, r -> {
            r.state = ProvisionedServiceEntity.SUSPENDED;
            r.suspendReason = reason;
        });
        if (first) {
            VeService kernel = ves;
            boolean running = veIn(s, VeState.RUNNING);
            if (running) {
                try {
                    kernel.suspend(s.veId);
                } catch (VeException e) {
                    update(s, r -> {
                        r.state = ProvisionedServiceEntity.ACTIVE;
                        r.suspendReason = null;
                    });
                    throw ProblemException.conflict("The VE could not be suspended: " + e.getMessage());
                }
            }
            update(s, r -> r.resumeOnUnsuspend = running);
            tell(s, "provisioning.suspended", "Your server is suspended", "Your server " + label(s) + " is suspended: " + reason + ".");
        }
        LOG.info("Provisioning suspended service={} ve={} by={} reason=\"{}\"", s.externalId, s.veId, caller.getName(), reason);
        return view(s, false);
    }

    /** Lifts a suspension: the VE runs on if it ran when suspended. Unsuspending an active service does nothing. */
    @POST
    @Path("services/{serviceId}/unsuspend")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.PROVISIONING)
    public ServiceView unsuspendService(@PathParam("serviceId") String serviceId, @Context SecurityContext security,
                                        @Context ContainerRequestContext request) {
        Caller caller = Caller.of(security);
        ProvisionedServiceEntity s = live(require(security, request, serviceId), "unsuspended");
        if (ProvisionedServiceEntity.SUSPENDED.equals(s.state)) {
            VeService kernel = ves;
            if (s.resumeOnUnsuspend && kernel != null && s.veId != null) {
                try {
                    VeState now = ve(s).map(VirtualEnvironment::state).orElse(null);
                    if (now == VeState.SUSPENDED) {
                        kernel.resume(s.veId);
                    } else if (now == VeState.STOPPED) {
                        kernel.start(s.veId); // the node restarted meanwhile: a frozen VE came back stopped
                    }
                } catch (VeException e) {
                    throw ProblemException.conflict("The VE could not be resumed: " + e.getMessage());
                }
            }
            update(s, r -> {
                r.state = ProvisionedServiceEntity.ACTIVE;
                r.suspendReason = null;
                r.resumeOnUnsuspend = false;
            });
            tell(s, "provisioning.unsuspended", "Your server is running again", "The suspension of your server " + label(s) + " is lifted.");
            LOG.info("Provisioning unsuspended service={} ve={} by={}", s.externalId, s.veId, caller.getName());
        }
        return view(s, false);
    }

    /**
     * Terminates a service: its subscription ends now and its VE is destroyed (a tracked operation; the service
     * reads {@code TERMINATED} once it is gone). The customer's last service closes the customer: its accounts are
     * removed and its tenant suspended, its billing records kept. Terminating again answers the same.
     */
    @POST
    @Path("services/{serviceId}/terminate")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.PROVISIONING)
    public Response terminateService(@PathParam("serviceId") String serviceId, @Context SecurityContext security,
                                     @Context ContainerRequestContext request) {
        Caller caller = Caller.of(security);
        ProvisionedServiceEntity s = refresh(require(security, request, serviceId));
        if (ProvisionedServiceEntity.TERMINATED.equals(s.state) || ProvisionedServiceEntity.TERMINATING.equals(s.state)) {
            return answer(s, 200);
        }
        if (ProvisionedServiceEntity.FAILED.equals(s.state)) {
            update(s, r -> r.state = ProvisionedServiceEntity.TERMINATED); // nothing of it is left
            return answer(s, 200);
        }
        if (ProvisionedServiceEntity.PROVISIONING.equals(s.state)) {
            throw ProblemException.conflict("Service " + serviceId + " is still being made; terminate it once it is ACTIVE.");
        }
        if (s.subscriptionId != null) {
            database.inTransaction(em -> {
                SubscriptionEntity sub = em.find(SubscriptionEntity.class, s.subscriptionId, LockModeType.PESSIMISTIC_WRITE);
                if (sub != null && sub.endedAt == null) {
                    sub.endedAt = clock.instant();
                    sub.state = "CANCELLED";
                }
                return null;
            });
        }
        update(s, r -> r.state = ProvisionedServiceEntity.TERMINATING);
        Integer ve = s.veId;
        VeService kernel = ves;
        OperationService tracked = operations;
        if (kernel == null || tracked == null) {
            throw new ProblemException(503, "unavailable", "VEs unavailable", "VEs cannot be destroyed on this panel now; terminate again later.");
        }
        Operation operation = tracked.submit("provisioning.terminate", ve == null ? "provisioning/" + serviceId : "ve/" + ve,
                s.tenantId == null ? null : s.tenantId.toString(), progress -> {
                    if (ve(s).isPresent()) {
                        progress.update(10, "stopping VE " + ve);
                        if (veIn(s, VeState.RUNNING, VeState.SUSPENDED)) {
                            kernel.kill(ve);
                        }
                        progress.update(50, "destroying VE " + ve);
                        kernel.destroy(ve);
                    }
                    update(s, r -> {
                        r.state = ProvisionedServiceEntity.TERMINATED;
                        r.operationId = null;
                        r.pendingPassword = null;
                    });
                    closeIfLast(s, caller.getName());
                    return "/api/v1/provisioning/services/" + serviceId;
                });
        update(s, r -> r.operationId = operation.id());
        LOG.info("Provisioning terminating service={} ve={} by={}", s.externalId, ve, caller.getName());
        return answer(s, 202);
    }

    /** The customer's last service is gone: nobody logs in any more; its records stay for the accountant. */
    private void closeIfLast(ProvisionedServiceEntity s, String actor) {
        if (s.tenantId == null) {
            return;
        }
        long others = database.inTransaction(em -> em.createQuery("select count(r) from BillingProvisionedService r where r.tenantId = :t "
                + "and r.id <> :id and r.state not in ('TERMINATED', 'FAILED')", Long.class).setParameter("t", s.tenantId).setParameter("id", s.id)
                .getSingleResult());
        long vesLeft = ves == null ? 0 : ves.list().stream().filter(v -> s.tenantId.toString().equals(v.owner())).count();
        if (others == 0 && vesLeft == 0) {
            identity.accountsOf(s.tenantId).forEach(a -> administration.deleteAccount(a.id(), actor));
            administration.setSuspension(s.tenantId, "closed: all its services were terminated", actor);
            LOG.info("Provisioning closed customer tenant={} with its last service={}", s.tenantId, s.externalId);
        }
    }

    // ---- package, password, login link ------------------------------------------------------------------------

    /** Moves the service to another plan (prorated as a plan change is) and/or sets limits one by one; the VE follows at once. */
    @POST
    @Path("services/{serviceId}/change-package")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.PROVISIONING)
    public ServiceView changePackage(@PathParam("serviceId") String serviceId, PackageChange body, @Context SecurityContext security,
                                     @Context ContainerRequestContext request) {
        Caller caller = Caller.of(security);
        if (body == null || (body.plan() == null || body.plan().isBlank()) && body.limits() == null) {
            throw PlansResource.unprocessable("Send the plan to move to, or limits, or both.", List.of(new Problem.FieldError("plan", "required without limits")));
        }
        ProvisionedServiceEntity s = live(require(security, request, serviceId), "changed");
        if (body.plan() != null && !body.plan().isBlank()) {
            PlanEntity plan = database.inTransaction(em -> planOf(em, s.sellerTenant, body.plan(), "plan"));
            if (!plan.id.equals(s.planId)) {
                SubscriptionsResource.SubscriptionView next = subscriptions.change(s.subscriptionId, plan.id, null, caller.getName());
                update(s, r -> {
                    r.planId = plan.id;
                    r.subscriptionId = next.id();
                });
            }
        }
        if (body.limits() != null) {
            Limits l = body.limits();
            List<Problem.FieldError> errors = new ArrayList<>();
            for (Map.Entry<String, Long> e : limitFields(l).entrySet()) {
                if (e.getValue() != null && (e.getValue() < 0 || e.getValue() > 1L << 40)) {
                    errors.add(new Problem.FieldError("limits." + e.getKey(), "0 or more"));
                }
            }
            if (!errors.isEmpty()) {
                throw PlansResource.unprocessable("The limits are not valid.", errors);
            }
            VeService kernel = ves;
            if (kernel == null) {
                throw new ProblemException(503, "unavailable", "VEs unavailable", "The VE's limits cannot be changed on this panel now.");
            }
            if (ve(s).isEmpty()) {
                throw ProblemException.conflict("Service " + s.externalId + " has no VE any more; terminate it, or order it again.");
            }
            try {
                kernel.update(s.veId, null, SubscriptionsResource.limits(new PlanQuotas(l.memoryMiB(), l.swapMiB(), l.diskGiB(), l.cpuWeight(),
                        l.cpuCapPercent(), l.processes(), null, null, l.bandwidthMbit(), null, null, null, null, null, null, null)));
            } catch (VeException e) {
                throw SubscriptionsResource.problem(e, "limits");
            }
        }
        LOG.info("Provisioning package changed service={} plan={} limits={} by={}", s.externalId, body.plan(), body.limits(), caller.getName());
        return view(refresh(s), false);
    }

    private static Map<String, Long> limitFields(Limits l) {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("memoryMiB", l.memoryMiB());
        out.put("swapMiB", l.swapMiB());
        out.put("diskGiB", l.diskGiB());
        out.put("cpuWeight", l.cpuWeight());
        out.put("cpuCapPercent", l.cpuCapPercent());
        out.put("processes", l.processes());
        out.put("bandwidthMbit", l.bandwidthMbit());
        return out;
    }

    /** Sets the password of the service's login (the customer's owner account); its sessions end. */
    @POST
    @Path("services/{serviceId}/password")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.PROVISIONING)
    public Response changePassword(@PathParam("serviceId") String serviceId, PasswordChange body, @Context SecurityContext security,
                                   @Context ContainerRequestContext request) {
        Caller caller = Caller.of(security);
        ProvisionedServiceEntity s = live(require(security, request, serviceId), "changed");
        try {
            administration.setPassword(s.accountId, body == null ? null : body.password(), caller.getName());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw PlansResource.unprocessable("The password was not set: 12 to 1024 characters.", List.of(new Problem.FieldError("password",
                    "12 to 1024 characters")));
        }
        update(s, r -> r.pendingPassword = null);
        LOG.info("Provisioning password set service={} by={}", s.externalId, caller.getName());
        return Response.noContent().build();
    }

    /**
     * A one-time link (valid 60 s) that opens the portal as the service's customer after the user confirms it there.
     * Never for an administrator: services belong to customers.
     */
    @POST
    @Path("services/{serviceId}/login-link")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.PROVISIONING)
    public LoginLinkView loginLink(@PathParam("serviceId") String serviceId, @Context SecurityContext security, @Context ContainerRequestContext request,
                                   @Context UriInfo uri) {
        Caller caller = Caller.of(security);
        ProvisionedServiceEntity s = live(require(security, request, serviceId), "opened");
        IdentityAdministration.LoginLink link;
        try {
            link = administration.loginLink(s.accountId, LOGIN_LINK_LIFETIME, caller.getName());
        } catch (IllegalArgumentException e) {
            throw ProblemException.conflict("No login link for this service: " + e.getMessage() + ".");
        }
        URI base = uri.getBaseUri();
        String url = base.getScheme() + "://" + base.getRawAuthority() + "/portal/#sso=" + link.token();
        return new LoginLinkView(url, link.expiresAt());
    }

    // ---- usage ------------------------------------------------------------------------------------------------

    /** One service's usage between {@code from} and {@code to} (ISO instants; default: this calendar month so far). */
    @GET
    @Path("services/{serviceId}/usage")
    @RequiresPermission(Permissions.PROVISIONING)
    public Usage serviceUsage(@PathParam("serviceId") String serviceId, @QueryParam("from") String from, @QueryParam("to") String to,
                              @Context SecurityContext security, @Context ContainerRequestContext request) {
        ProvisionedServiceEntity s = require(security, request, serviceId);
        Instant[] period = period(from, to);
        return usageOf(s, period[0], period[1]);
    }

    /** Every live service's usage (what a daily usage update asks for), between {@code from} and {@code to}. */
    @GET
    @Path("usage")
    @RequiresPermission(Permissions.PROVISIONING)
    public List<Usage> allUsage(@QueryParam("from") String from, @QueryParam("to") String to, @Context SecurityContext security,
                                @Context ContainerRequestContext request) {
        UUID seller = seller(secureCaller(security, request));
        Instant[] period = period(from, to);
        return database.inTransaction(em -> em.createQuery("select r from BillingProvisionedService r where r.sellerTenant = :s "
                        + "and r.state in ('ACTIVE', 'SUSPENDED') order by r.createdAt", ProvisionedServiceEntity.class).setParameter("s", seller)
                .getResultList()).stream().map(s -> usageOf(s, period[0], period[1])).toList();
    }

    private Instant[] period(String from, String to) {
        Instant now = clock.instant();
        try {
            Instant start = from == null || from.isBlank() ? now.atZone(java.time.ZoneOffset.UTC).withDayOfMonth(1).toLocalDate()
                    .atStartOfDay(java.time.ZoneOffset.UTC).toInstant() : Instant.parse(from.strip());
            Instant end = to == null || to.isBlank() ? now : Instant.parse(to.strip());
            if (!end.isAfter(start)) {
                throw PlansResource.unprocessable("from must be before to.", List.of(new Problem.FieldError("to", "after from")));
            }
            return new Instant[] {start, end.isAfter(now) ? now : end};
        } catch (DateTimeParseException e) {
            throw PlansResource.unprocessable("from and to are instants such as 2026-11-01T00:00:00Z.",
                    List.of(new Problem.FieldError("from", "an ISO-8601 instant")));
        }
    }

    private Usage usageOf(ProvisionedServiceEntity s, Instant from, Instant to) {
        UsageService meter = usage;
        PlanQuotas quotas = database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, s.planId);
            return PlanJson.read(PlansResource.version(em, plan, plan.latestVersion)).quotas();
        });
        Long diskLimit = quotas.diskGiB() == null ? null : quotas.diskGiB() * 1024;
        Long trafficLimit = quotas.trafficGiB() == null ? null : quotas.trafficGiB() * 1024;
        if (meter == null || ve(s).isEmpty()) {
            return new Usage(s.externalId, from, to, null, diskLimit, null, trafficLimit, Map.of(), null);
        }
        Optional<UsageSample> base = meter.storedAtOrBefore(s.veId, from);
        Optional<UsageSample> last = meter.current(s.veId).filter(x -> !x.at().isAfter(to)).or(() -> meter.storedAtOrBefore(s.veId, to));
        if (last.isEmpty()) {
            return new Usage(s.externalId, from, to, null, diskLimit, 0L, trafficLimit, Map.of(), null);
        }
        Map<String, MeterUsage> meters = new java.util.TreeMap<>();
        UsageCharges.COUNTERS.forEach((name, counter) -> counter.usedBetween(base, last.get()).ifPresent(q ->
                meters.put(name, new MeterUsage(q.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString(), counter.description()))));
        long traffic = delta(base, last.get(), UsageSample::netExternalTxBytesTotal) + delta(base, last.get(), UsageSample::netExternalRxBytesTotal);
        Long disk = last.get().diskBytes() == null ? null : last.get().diskBytes() >> 20;
        return new Usage(s.externalId, from, to, disk, diskLimit, traffic >> 20, trafficLimit, meters, last.get().at());
    }

    private static long delta(Optional<UsageSample> base, UsageSample last, java.util.function.Function<UsageSample, Long> counter) {
        Long to = counter.apply(last);
        Long from = base.map(counter).orElse(null);
        return to == null ? 0 : Math.max(0, to - (from == null ? 0 : from));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The caller, over HTTPS or from this machine only: the calls carry passwords and make login links. */
    private static Caller secureCaller(SecurityContext security, ContainerRequestContext request) {
        if (!security.isSecure() && !loopback(request == null ? null : String.valueOf(request.getProperty(ApiWhiteboard.CLIENT_ADDRESS)))) {
            throw new ProblemException(403, "https-required", "HTTPS required",
                    "The provisioning API carries passwords and login links: call it over HTTPS (or from the panel's own machine).");
        }
        return Caller.of(security);
    }

    static boolean loopback(String address) {
        try {
            return address != null && InetAddress.getByName(address.replaceAll("^\\[|\\]$", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The seller the caller provisions for: its own tenant, a provider or a reseller. */
    private UUID seller(Caller caller) {
        UUID tenant = caller.tenantId() == null ? identity.provider().id() : UUID.fromString(caller.tenantId());
        if (identity.tenant(tenant).map(t -> t.kind() == TenantKind.CUSTOMER).orElse(true)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "Provisioning is for the provider's and resellers' administrators.");
        }
        return tenant;
    }

    /** The caller's service, or 404 (another seller's is as absent as none). */
    private ProvisionedServiceEntity require(SecurityContext security, ContainerRequestContext request, String serviceId) {
        UUID seller = seller(secureCaller(security, request));
        return find(seller, serviceId).orElseThrow(() -> ProblemException.notFound("There is no service " + serviceId + "."));
    }

    /** An active or suspended service, or 409 naming its state. */
    private ProvisionedServiceEntity live(ProvisionedServiceEntity s, String verb) {
        refresh(s);
        if (!ProvisionedServiceEntity.ACTIVE.equals(s.state) && !ProvisionedServiceEntity.SUSPENDED.equals(s.state)) {
            throw ProblemException.conflict("Service " + s.externalId + " is " + s.state.toLowerCase(Locale.ROOT) + "; it cannot be " + verb + ".");
        }
        return s;
    }

    private Optional<ProvisionedServiceEntity> find(UUID seller, String serviceId) {
        if (serviceId == null || serviceId.length() > 100) {
            return Optional.empty();
        }
        return database.inTransaction(em -> em.createQuery("select r from BillingProvisionedService r where r.sellerTenant = :s and r.externalId = :e",
                ProvisionedServiceEntity.class).setParameter("s", seller).setParameter("e", serviceId).getResultStream().findFirst());
    }

    /** Takes over a failed or stalled create: only one of several retries sent at once goes on with it. */
    private boolean claim(ProvisionedServiceEntity s) {
        Instant now = clock.instant();
        int won = database.inTransaction(em -> em.createQuery("update BillingProvisionedService r set r.updatedAt = :now, r.state = 'PROVISIONING', "
                + "r.error = null where r.id = :id and r.updatedAt = :seen").setParameter("now", now).setParameter("id", s.id)
                .setParameter("seen", s.updatedAt).executeUpdate());
        return won == 1;
    }

    /** Changes the stored service (and the copy in hand) in one short transaction: never a full-row write of a stale copy. */
    private void update(ProvisionedServiceEntity s, Consumer<ProvisionedServiceEntity> change) {
        database.inTransaction(em -> {
            ProvisionedServiceEntity stored = em.find(ProvisionedServiceEntity.class, s.id, LockModeType.PESSIMISTIC_WRITE);
            change.accept(stored);
            stored.updatedAt = clock.instant();
            change.accept(s);
            s.updatedAt = stored.updatedAt;
            return null;
        });
    }

    /** A plan of the seller by code or id, not retired; 422 naming {@code field} otherwise. */
    private static PlanEntity planOf(EntityManager em, UUID seller, String plan, String field) {
        String key = plan == null ? "" : plan.strip();
        PlanEntity found = em.createQuery("select p from BillingPlan p where p.ownerTenant = :s and p.code = :c", PlanEntity.class)
                .setParameter("s", seller).setParameter("c", key).getResultStream().findFirst().orElse(null);
        if (found == null) {
            try {
                found = em.find(PlanEntity.class, UUID.fromString(key));
            } catch (IllegalArgumentException e) {
                found = null;
            }
        }
        if (found == null || !found.ownerTenant.equals(seller) || found.retiredAt != null) {
            throw PlansResource.unprocessable("You sell no plan '" + key + "' (GET /api/v1/provisioning/test lists yours).",
                    List.of(new Problem.FieldError(field, "a plan code of yours, not retired")));
        }
        return found;
    }

    private static NewService checked(NewService body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        NewService b = body == null ? new NewService(null, null, null, null, null, null, null, null, null, null) : body;
        String serviceId = trim(b.serviceId());
        String clientId = trim(b.clientId());
        if (serviceId == null || !serviceId.matches(EXTERNAL_ID)) {
            errors.add(new Problem.FieldError("serviceId", "required: 1 to 100 letters, digits, dots, colons, dashes or underscores"));
        }
        if (clientId != null && !clientId.matches(EXTERNAL_ID)) {
            errors.add(new Problem.FieldError("clientId", "1 to 100 letters, digits, dots, colons, dashes or underscores"));
        }
        String name = trim(b.customerName());
        if (name == null || name.length() > 100) {
            errors.add(new Problem.FieldError("customerName", "required, 1 to 100 characters"));
        } else {
            InvoiceSettingsResource.checkText(name, "customerName", 100, false, errors);
        }
        if (trim(b.plan()) == null) {
            errors.add(new Problem.FieldError("plan", "required: a plan code"));
        }
        if (trim(b.template()) == null || b.template().length() > 200) {
            errors.add(new Problem.FieldError("template", "required, e.g. debian-12"));
        }
        String hostname = trim(b.hostname());
        if (hostname != null && (hostname.length() > 253 || !hostname.matches(OrdersResource.HOSTNAME))) {
            errors.add(new Problem.FieldError("hostname", "letters, digits and hyphens, dot-separated, e.g. web1.example.com"));
        }
        String username = trim(b.username());
        if (username != null && !username.matches("[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")) {
            errors.add(new Problem.FieldError("username", "2 to 64 letters, digits, dots, dashes, underscores or @"));
        }
        if (b.password() != null && !b.password().isEmpty() && (b.password().length() < 12 || b.password().length() > 1024)) {
            errors.add(new Problem.FieldError("password", "12 to 1024 characters (or none: the panel makes one)"));
        }
        if (b.ipPool() != null && b.ipPool().length() > 100) {
            errors.add(new Problem.FieldError("ipPool", "an address pool's name"));
        }
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The service is not complete.", errors);
        }
        return new NewService(serviceId, clientId, name, trim(b.email()), username, b.password(), b.plan().strip(), b.template().strip(), hostname,
                trim(b.ipPool()));
    }

    private static String trim(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }

    private String generatedPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private Response answer(ProvisionedServiceEntity s, int status) {
        return Response.status(status).location(URI.create("/api/v1/provisioning/services/" + s.externalId)).entity(view(s, true)).build();
    }

    private ServiceView view(ProvisionedServiceEntity s, boolean withPassword) {
        return database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, s.planId);
            String name = plan == null ? null : PlanJson.stored(PlansResource.version(em, plan, plan.latestVersion)).name();
            String hostname = s.hostname;
            hostname = ve(s).map(VirtualEnvironment::hostname).orElse(hostname);
            return new ServiceView(s.externalId, s.clientId, s.state, s.error, s.tenantId, s.username, withPassword ? s.pendingPassword : null, s.veId,
                    hostname, plan == null ? null : plan.code, name, s.suspendReason, s.operationId, s.createdAt, s.updatedAt);
        });
    }

    private static String label(ProvisionedServiceEntity s) {
        return s.hostname != null ? s.hostname : s.veId != null ? "VE " + s.veId : s.externalId;
    }

    private void tell(ProvisionedServiceEntity s, String event, String title, String text) {
        Notifier n = notifier;
        if (n != null && s.tenantId != null) {
            n.notifyTenant(s.tenantId, new Notification(event, title, text, Map.of("service", s.externalId,
                    "ve", s.veId == null ? "" : s.veId.toString())));
        }
    }
}
