package io.vessel.identity.internal;

import io.vessel.identity.api.Tenant;
import io.vessel.persistence.api.Database;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Built-in roles and the custom roles tenants define (named permission sets). A custom role defined by a tenant
 * can be given to accounts of that tenant and of those below it; the nearest definition of a name wins.
 * Every permission any endpoint declares is known here, so a custom role cannot name one that does not exist.
 */
@Component(service = Roles.class)
public final class Roles {

    /** A role as the API shows it. {@code tenantId} is null for built-in roles. */
    public record RoleView(String name, UUID id, UUID tenantId, boolean builtIn, Set<String> permissions) {
    }

    private final Database database;
    private final Tenancy tenancy;
    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    private volatile List<CustomRoleEntity> custom = List.of();

    @Activate
    public Roles(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                 @Reference Tenancy tenancy) {
        this.database = database;
        this.tenancy = tenancy;
        for (BuiltInRole role : BuiltInRole.values()) {
            role.permissions.stream().filter(p -> !p.equals(BuiltInRole.ALL)).forEach(declared::add);
        }
        reload();
    }

    private void reload() {
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        @SuppressWarnings("unchecked")
        List<CustomRoleEntity> all = database.inTransaction(em -> em.createNativeQuery("select * from custom_role", CustomRoleEntity.class).getResultList());
        custom = all;
    }

    /** Called for every permission an endpoint declares, as endpoints come and go. */
    void declare(String permission) {
        declared.add(permission);
    }

    Set<String> known() {
        return new TreeSet<>(declared);
    }

    /** The permissions of {@code role} for an account of {@code tenant}; empty when the role does not apply there. */
    Set<String> permissions(String role, UUID tenant) {
        Optional<BuiltInRole> builtIn = BuiltInRole.named(role);
        if (builtIn.isPresent()) {
            Optional<Tenant> t = tenancy.find(tenant);
            return t.isPresent() && builtIn.get().kinds.contains(t.get().kind()) ? builtIn.get().permissions : Set.of();
        }
        return customRole(role, tenant).map(CustomRoleEntity::permissions).orElse(Set.of());
    }

    /** Whether the role can be given to an account of {@code tenant}. */
    boolean assignable(String role, UUID tenant) {
        Optional<BuiltInRole> builtIn = BuiltInRole.named(role);
        if (builtIn.isPresent()) {
            return tenancy.find(tenant).map(t -> builtIn.get().kinds.contains(t.kind())).orElse(false);
        }
        return customRole(role, tenant).isPresent();
    }

    private Optional<CustomRoleEntity> customRole(String name, UUID tenant) {
        List<CustomRoleEntity> all = custom;
        UUID current = tenant;
        for (int depth = 0; current != null && depth < 16; depth++) {
            UUID here = current;
            Optional<CustomRoleEntity> found = all.stream().filter(r -> r.tenantId().equals(here) && r.name().equals(name)).findFirst();
            if (found.isPresent()) {
                return found;
            }
            current = tenancy.find(current).map(Tenant::parentId).orElse(null);
        }
        return Optional.empty();
    }

    /** Roles usable by accounts of {@code tenant}: the built-in ones for its kind and custom ones defined at or above it. */
    List<RoleView> usableIn(UUID tenant) {
        Optional<Tenant> t = tenancy.find(tenant);
        List<RoleView> out = new java.util.ArrayList<>();
        for (BuiltInRole role : BuiltInRole.values()) {
            if (t.isPresent() && role.kinds.contains(t.get().kind())) {
                out.add(new RoleView(role.roleName, null, null, true, role.permissions));
            }
        }
        Set<String> seen = new java.util.HashSet<>();
        UUID current = tenant;
        for (int depth = 0; current != null && depth < 16; depth++) {
            UUID here = current;
            custom.stream().filter(r -> r.tenantId().equals(here) && seen.add(r.name())).map(Roles::view).forEach(out::add);
            current = tenancy.find(current).map(Tenant::parentId).orElse(null);
        }
        return out;
    }

    Optional<RoleView> custom(UUID id) {
        return custom.stream().filter(r -> r.id().equals(id)).findFirst().map(Roles::view);
    }

    private static RoleView view(CustomRoleEntity r) {
        return new RoleView(r.name(), r.id(), r.tenantId(), false, r.permissions());
    }

    /**
     * Defines a custom role. Its permissions must exist and be ones the defining caller holds: nobody hands out more
     * than they have.
     */
    RoleView define(UUID tenant, String name, Set<String> permissions, java.util.function.Predicate<String> callerMay) {
        check(name, permissions, callerMay);
        CustomRoleEntity entity = new CustomRoleEntity(tenant, name, permissions, Tenancy.now());
        database.run(em -> {
            long clash = em.createQuery("select count(r) from CustomRoleEntity r where r.tenantId = :t and r.name = :n", Long.class)
                    .setParameter("t", tenant).setParameter("n", name).getSingleResult();
            if (clash > 0) {
                throw new IllegalStateException("a role named " + name + " already exists");
            }
            em.persist(entity);
        });
        reload();
        return view(entity);
    }

    RoleView redefine(UUID id, Set<String> permissions, java.util.function.Predicate<String> callerMay) {
        RoleView existing = custom(id).orElseThrow();
        check(existing.name(), permissions, callerMay);
        database.run(em -> em.find(CustomRoleEntity.class, id).setPermissions(permissions));
        reload();
        return custom(id).orElseThrow();
    }

    /** Deletes a custom role no account holds any more. */
    void delete(UUID id) {
        RoleView role = custom(id).orElseThrow();
        database.run(em -> {
            List<UUID> tenantsBelow = tenancy.subtree(role.tenantId()).stream().map(Tenant::id).toList();
            long affected = em.createQuery("select count(a) from AccountEntity a where a.role = :n and a.tenantId in :t", Long.class)
                    .setParameter("n", role.name()).setParameter("t", tenantsBelow).getSingleResult();
            if (affected > 0) {
                throw new IllegalStateException(affected + " account(s) still hold the role " + role.name());
            }
            em.remove(em.find(CustomRoleEntity.class, id));
        });
        reload();
    }

    private void check(String name, Set<String> permissions, java.util.function.Predicate<String> callerMay) {
        if (name == null || !name.matches("[a-z][a-z0-9-]{1,62}")) {
            throw new IllegalArgumentException("name: 2 to 63 lower-case letters, digits and dashes, starting with a letter");
        }
        if (BuiltInRole.named(name).isPresent()) {
            throw new IllegalArgumentException("name: " + name + " is a built-in role");
        }
        if (permissions == null || permissions.isEmpty()) {
            throw new IllegalArgumentException("permissions: name at least one");
        }
        Set<String> unknown = permissions.stream().filter(p -> !declared.contains(p)).collect(Collectors.toCollection(TreeSet::new));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("permissions: unknown " + String.join(", ", unknown));
        }
        Set<String> beyond = permissions.stream().filter(callerMay.negate()).collect(Collectors.toCollection(TreeSet::new));
        if (!beyond.isEmpty()) {
            throw new SecurityException("you cannot give permissions you do not hold: " + String.join(", ", beyond));
        }
    }

    static boolean grants(Set<String> permissions, String permission) {
        return permissions.contains(BuiltInRole.ALL) || permissions.contains(permission);
    }

    /** For {@code GET /api/v1/me}: the permissions spelled out. */
    Set<String> expand(Set<String> permissions) {
        return permissions.contains(BuiltInRole.ALL) ? known() : new TreeSet<>(permissions);
    }
}
