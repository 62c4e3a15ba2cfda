package io.vessel.identity.internal;

import io.vessel.api.security.ObjectOwnership;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Which tenant owns tenants, accounts and custom roles, for the access filter's 404 check. */
final class IdentityObjects {

    private IdentityObjects() {
    }

    static Optional<UUID> uuid(String text) {
        try {
            return text == null || text.length() != 36 ? Optional.empty() : Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A tenant is "owned" by itself: visible to its own accounts and to those above it. */
    @Component(service = ObjectOwnership.class, property = ObjectOwnership.KIND + "=tenant")
    public static final class Tenants implements ObjectOwnership {
        private final Tenancy tenancy;

        @Activate
        public Tenants(@Reference Tenancy tenancy) {
            this.tenancy = tenancy;
        }

        @Override
        public Optional<String> ownerOf(String id) {
            return uuid(id).flatMap(tenancy::find).map(t -> t.id().toString());
        }
    }

    @Component(service = ObjectOwnership.class, property = ObjectOwnership.KIND + "=account")
    public static final class Accounts implements ObjectOwnership {
        private final IdentityManager identity;

        @Activate
        public Accounts(@Reference IdentityManager identity) {
            this.identity = identity;
        }

        @Override
        public Optional<String> ownerOf(String id) {
            return uuid(id).flatMap(identity::account).map(a -> a.tenantId().toString());
        }

        @Override
        public long countOwnedBy(String tenantId) {
            return 0; // accounts go with their tenant
        }
    }

    @Component(service = ObjectOwnership.class, property = ObjectOwnership.KIND + "=role")
    public static final class CustomRoles implements ObjectOwnership {
        private final Roles roles;

        @Activate
        public CustomRoles(@Reference Roles roles) {
            this.roles = roles;
        }

        @Override
        public Optional<String> ownerOf(String id) {
            return uuid(id).flatMap(roles::custom).map(r -> r.tenantId().toString());
        }
    }
}
