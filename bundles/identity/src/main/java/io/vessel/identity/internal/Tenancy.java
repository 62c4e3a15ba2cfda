package io.vessel.identity.internal;

import io.vessel.identity.api.Tenant;
import io.vessel.identity.api.TenantKind;
import io.vessel.persistence.api.Database;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenancy tree. Every request asks it whether an object's tenant lies below the caller's, so the whole tree is
 * kept in memory (a few thousand small records) and reloaded after each change, which all go through here.
 *
 * <p>Panels sharing one PostgreSQL each keep a tree: a change made by one is announced to the others
 * ({@code NOTIFY}), which read the tree again at once (a tenant made behind one panel is seen by the next request
 * through another; a suspension holds on every panel). Notifications can be lost, so each also reads it again every
 * {@link #RELOAD} whatever it heard.
 */
@Component(service = Tenancy.class)
public final class Tenancy {

    private static final Logger LOG = LoggerFactory.getLogger(Tenancy.class);

    /** Channel announcing a change of the tree, with the announcing process's id (which ignores its own). */
    static final String CHANGED = "vessel_tenancy_changed";
    /** How often a panel on a shared database reads the tree again, in case an announcement was lost. */
    static final java.time.Duration RELOAD = java.time.Duration.ofSeconds(30);

    private final Database database;
    private volatile Map<UUID, Tenant> tree = Map.of();
    private volatile Tenant provider;
    /** This process, in its own announcements. */
    private final String self = UUID.randomUUID().toString();
    private final AutoCloseable listening;
    private final java.util.concurrent.ScheduledExecutorService reloads;

    @Activate
    public Tenancy(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database) {
        this.database = database;
        ensureProvider();
        reload();
        this.listening = database.listen(CHANGED, who -> {
            if (!self.equals(who)) {
                reloadQuietly();
            }
        });
        if (database.info().embedded()) {
            this.reloads = null; // one process alone changes the tree
        } else {
            this.reloads = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vessel-tenancy-reload");
                t.setDaemon(true);
                return t;
            });
            reloads.scheduleWithFixedDelay(this::reloadQuietly, RELOAD.toSeconds(), RELOAD.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @org.osgi.service.component.annotations.Deactivate
    void deactivate() throws Exception {
        listening.close();
        if (reloads != null) {
            reloads.shutdownNow();
        }
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("Tenancy tree not read again: {}", e.getMessage());
        }
    }

    /** Tells the other panels on the database that the tree changed. */
    private void announce() {
        if (reloads == null) {
            return; // the embedded database: no other panel
        }
        try {
            database.run(em -> database.notify(em, CHANGED, self));
        } catch (RuntimeException e) {
            LOG.warn("Tenancy change not announced to other panels: {}", e.getMessage());
        }
    }

    private void ensureProvider() {
        database.run(em -> {
            // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
            @SuppressWarnings("unchecked")
            List<TenantEntity> roots = em.createNativeQuery("select * from tenant where kind = 'PROVIDER'", TenantEntity.class).getResultList();
            UUID root;
            if (roots.isEmpty()) {
                TenantEntity created = new TenantEntity(null, TenantKind.PROVIDER, "Provider", now());
                em.persist(created);
                root = created.id();
                LOG.info("Tenancy tree created provider={}", root);
            } else {
                root = roots.get(0).id();
            }
            // accounts made before tenancy existed belong to the provider
            em.createNativeQuery("update account set tenant_id = ?1 where tenant_id is null").setParameter(1, root).executeUpdate();
        });
    }

    /**
     * Reads the whole tree. Synchronized with {@link #put} and {@link #remove}: two changes at once must not let the
     * one that read the database first overwrite the other's newer tree (a tenant just made would vanish from it).
     */
    private synchronized void reload() {
        Map<UUID, Tenant> loaded = new HashMap<>();
        @SuppressWarnings("unchecked")
        List<TenantEntity> all = database.inTransaction(em -> em.createNativeQuery("select * from tenant", TenantEntity.class).getResultList());
        all.forEach(t -> loaded.put(t.toTenant().id(), t.toTenant()));
        tree = Map.copyOf(loaded);
        provider = loaded.values().stream().filter(t -> t.kind() == TenantKind.PROVIDER).findFirst().orElseThrow();
    }

    /** The tree with one tenant added or changed (committed before): a new snapshot, without reading every tenant again. */
    private void put(Tenant tenant) {
        synchronized (this) {
            Map<UUID, Tenant> next = new HashMap<>(tree);
            next.put(tenant.id(), tenant);
            tree = Map.copyOf(next);
            if (tenant.kind() == TenantKind.PROVIDER) {
                provider = tenant;
            }
        }
        announce();
    }

    private void remove(UUID id) {
        synchronized (this) {
            Map<UUID, Tenant> next = new HashMap<>(tree);
            next.remove(id);
            tree = Map.copyOf(next);
        }
        announce();
    }

    Tenant provider() {
        return provider;
    }

    Optional<Tenant> find(UUID id) {
        return id == null ? Optional.empty() : Optional.ofNullable(tree.get(id));
    }

    /** Whether {@code tenant} is {@code ancestor} or lies below it. False for unknown tenants. */
    boolean isWithin(UUID tenant, UUID ancestor) {
        Map<UUID, Tenant> snapshot = tree;
        Tenant current = tenant == null ? null : snapshot.get(tenant);
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (current.id().equals(ancestor)) {
                return true;
            }
            current = current.parentId() == null ? null : snapshot.get(current.parentId());
        }
        return false;
    }

    /** The tenants at and below {@code root}, root first. */
    List<Tenant> subtree(UUID root) {
        return tree.values().stream().filter(t -> isWithin(t.id(), root))
                .sorted(java.util.Comparator.comparing((Tenant t) -> !t.id().equals(root)).thenComparing(Tenant::createdAt)).toList();
    }

    /** Why the tenant (or one above it) is suspended; empty while none is. */
    Optional<String> suspension(UUID tenant) {
        Map<UUID, Tenant> snapshot = tree;
        for (Tenant t = snapshot.get(tenant); t != null; t = t.parentId() == null ? null : snapshot.get(t.parentId())) {
            if (t.suspended()) {
                return Optional.of(t.suspendedReason() == null || t.suspendedReason().isBlank() ? "no reason given" : t.suspendedReason());
            }
        }
        return Optional.empty();
    }

    /** Whether the tenant or one above it requires two-factor authentication. */
    boolean requires2fa(UUID tenant) {
        Map<UUID, Tenant> snapshot = tree;
        for (Tenant t = snapshot.get(tenant); t != null; t = t.parentId() == null ? null : snapshot.get(t.parentId())) {
            if (t.require2fa()) {
                return true;
            }
        }
        return false;
    }

    Tenant create(UUID parent, TenantKind kind, String name) {
        Tenant parentTenant = find(parent).orElseThrow(() -> new IllegalArgumentException("no parent tenant " + parent));
        if (kind == TenantKind.PROVIDER) {
            throw new IllegalArgumentException("there is only one provider");
        }
        if (kind == TenantKind.RESELLER && parentTenant.kind() != TenantKind.PROVIDER) {
            throw new IllegalArgumentException("resellers belong to the provider");
        }
        if (parentTenant.kind() == TenantKind.CUSTOMER) {
            throw new IllegalArgumentException("customers have no tenants below them");
        }
        TenantEntity created = new TenantEntity(parent, kind, name, now());
        database.run(em -> em.persist(created));
        put(created.toTenant());
        LOG.info("Tenant created id={} kind={} parent={}", created.id(), kind, parent);
        return created.toTenant();
    }

    /** Applies {@code change} to the stored tenant and refreshes the tree. */
    Tenant change(UUID id, java.util.function.Consumer<TenantEntity> change) {
        Tenant changed = database.inTransaction(em -> {
            TenantEntity entity = em.find(TenantEntity.class, id);
            change.accept(entity);
            return entity.toTenant();
        });
        put(changed);
        return changed;
    }

    /** Deletes a tenant that has nothing below it and no accounts; the caller checks for other owned objects. */
    void delete(UUID id) {
        database.run(em -> {
            long children = em.createQuery("select count(t) from TenantEntity t where t.parentId = :id", Long.class).setParameter("id", id)
                    .getSingleResult();
            if (children > 0) {
                throw new IllegalStateException("it still has " + children + " tenant(s) below it");
            }
            em.createQuery("delete from CustomRoleEntity r where r.tenantId = :id").setParameter("id", id).executeUpdate();
            em.remove(em.find(TenantEntity.class, id));
        });
        remove(id);
        LOG.info("Tenant deleted id={}", id);
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
