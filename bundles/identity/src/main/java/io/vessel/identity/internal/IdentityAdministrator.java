package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.identity.api.IdentityAdministration;
import io.vessel.identity.api.Tenant;
import io.vessel.identity.api.TenantKind;
import java.time.Duration;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@link IdentityAdministration} over the same tenancy, accounts and audit log the REST resources use. */
@Component(service = {IdentityAdministration.class, IdentityAdministrator.class})
public final class IdentityAdministrator implements IdentityAdministration {

    private final Tenancy tenancy;
    private final IdentityManager identity;
    private final LoginLinks links;
    private final AuditLog audit;
    private final AccessControl access;

    @Activate
    public IdentityAdministrator(@Reference Tenancy tenancy, @Reference IdentityManager identity, @Reference LoginLinks links,
                                 @Reference AuditLog audit, @Reference AccessControl access) {
        this.access = access;
        this.tenancy = tenancy;
        this.identity = identity;
        this.links = links;
        this.audit = audit;
    }

    @Override
    public Tenant createTenant(UUID parent, TenantKind kind, String name, String actor) {
        if (name == null || name.isBlank() || name.strip().length() > 100) {
            throw new IllegalArgumentException("a tenant's name is 1 to 100 characters");
        }
        Tenant created = tenancy.create(parent, kind, name.strip());
        audit.security("tenant.created", null, actor, created.id(), "api", 201, kind + " " + created.name());
        return created;
    }

    @Override
    public Account createAccount(UUID tenant, String username, String email, String role, String password, String actor) {
        if (email != null && !email.matches(AccountsResource.EMAIL)) {
            throw new IllegalArgumentException("email: an address such as jane@example.com");
        }
        Account created = identity.createAccount(tenant, username, email, role, password);
        audit.security("account.created", created.id(), actor, tenant, "api", 201, created.username() + " as " + role);
        return created;
    }

    @Override
    public void setPassword(UUID account, String password, String actor) {
        IdentityManager.checkPassword(password);
        Account target = identity.account(account).orElseThrow(() -> new IllegalArgumentException("no account " + account));
        identity.setPassword(account, password, null);
        audit.security("password.set", target.id(), actor, target.tenantId(), "api", 204, "for " + target.username());
    }

    @Override
    public void deleteAccount(UUID account, String actor) {
        identity.account(account).ifPresent(target -> {
            identity.deleteAccount(account);
            audit.security("account.deleted", target.id(), actor, target.tenantId(), "api", 204, target.username());
        });
    }

    @Override
    public void deleteTenant(UUID tenant, String actor) {
        stillOwned(tenant).ifPresent(owned -> {
            throw new IllegalStateException("the tenant still owns " + owned);
        });
        deleteOwningNothing(tenant);
        audit.security("tenant.deleted", null, actor, tenant, "api", 204, null);
    }

    /** What the tenant still owns, as every bundle counts it ("2 ve(s)": the first kind it has any of); empty when nothing. */
    java.util.Optional<String> stillOwned(UUID tenant) {
        for (java.util.Map.Entry<String, io.vessel.api.security.ObjectOwnership> kind : access.ownerships().entrySet()) {
            long owned = kind.getValue().countOwnedBy(tenant.toString());
            if (owned > 0) {
                return java.util.Optional.of(owned + " " + kind.getKey() + "(s)");
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Deletes a tenant {@link #stillOwned} found owning nothing, with its accounts; {@link IllegalStateException}
     * when tenants lie below it.
     */
    void deleteOwningNothing(UUID tenant) {
        identity.accountsIn(java.util.List.of(tenant)).forEach(a -> identity.deleteAccount(a.id()));
        tenancy.delete(tenant);
    }

    @Override
    public Tenant setSuspension(UUID tenant, String reason, String actor) {
        Tenant changed = tenancy.change(tenant, t -> {
            if (reason == null) {
                t.unsuspend();
            } else {
                t.suspend(reason.strip(), Tenancy.now());
            }
        });
        audit.security(reason == null ? "tenant.unsuspended" : "tenant.suspended", null, actor, tenant, "api", 200, reason);
        return changed;
    }

    @Override
    public LoginLink loginLink(UUID account, Duration lifetime, String actor) {
        return links.issue(account, lifetime, actor);
    }
}
