package io.vessel.persistence.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.BootstrapServiceRegistry;
import org.hibernate.boot.registry.BootstrapServiceRegistryBuilder;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.boot.registry.classloading.internal.TcclLookupPrecedence;
import org.hibernate.cfg.AvailableSettings;

/**
 * Boots Hibernate over the contributed entity classes.
 *
 * <p>Hibernate resolves classes through the class loaders we give it: its own (this bundle, where it is
 * embedded) and one per contributing bundle. The thread context class loader is never consulted, because in
 * OSGi it is whatever the calling thread happened to carry.
 */
final class SessionFactoryBuilder {

    private SessionFactoryBuilder() {
    }

    static SessionFactory build(ConnectionPool pool, ConnectionSettings settings, Collection<PersistenceContribution> contributions) {
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        loaders.add(SessionFactory.class.getClassLoader());
        for (PersistenceContribution contribution : contributions) {
            for (Class<?> entity : contribution.entityClasses()) {
                loaders.add(entity.getClassLoader());
            }
        }
        BootstrapServiceRegistryBuilder bootstrap = new BootstrapServiceRegistryBuilder();
        bootstrap.applyTcclLookupPrecedence(TcclLookupPrecedence.NEVER);
        loaders.forEach(bootstrap::applyClassLoader);
        BootstrapServiceRegistry bootstrapRegistry = bootstrap.build();

        StandardServiceRegistryBuilder registryBuilder = new StandardServiceRegistryBuilder(bootstrapRegistry)
                .applySetting(AvailableSettings.DATASOURCE, pool.dataSource())
                .applySetting(AvailableSettings.HBM2DDL_AUTO, "validate")
                .applySetting(AvailableSettings.JAKARTA_VALIDATION_MODE, "none")
                .applySetting(AvailableSettings.XML_MAPPING_ENABLED, "false")
                .applySetting(AvailableSettings.JDBC_TIME_ZONE, "UTC")
                .applySetting(AvailableSettings.STATEMENT_BATCH_SIZE, "50")
                .applySetting(AvailableSettings.ORDER_INSERTS, "true")
                .applySetting(AvailableSettings.ORDER_UPDATES, "true")
                .applySetting(AvailableSettings.SHOW_SQL, "false")
                // Plain reflection instead of generated accessor classes: faster boot, fewer classes defined
                // inside entity bundles; the per-call difference is negligible next to JDBC.
                .applySetting("hibernate.bytecode.use_reflection_optimizer", "false")
                .applySetting(AvailableSettings.CONNECTION_PROVIDER_DISABLES_AUTOCOMMIT, "true")
                .applySetting("hibernate.session_factory_name_is_jndi", "false");
        if (settings.schema() != null) {
            registryBuilder.applySetting(AvailableSettings.DEFAULT_SCHEMA, settings.schema());
        }
        if (!needsProxies(contributions)) {
            // Hibernate 6 finds its bytecode provider with the ServiceLoader (the old hibernate.bytecode.provider
            // setting is gone): ByteBuddy, which generates a proxy class and an accessor class for every entity at
            // each boot — half of the session factory's build here (issue 14). Entities that are never proxied need
            // neither; plain reflection reads and writes their fields.
            registryBuilder.addService(org.hibernate.bytecode.spi.BytecodeProvider.class, new org.hibernate.bytecode.internal.none.BytecodeProviderImpl());
        }
        StandardServiceRegistry registry = registryBuilder.build();
        try {
            MetadataSources sources = new MetadataSources(registry);
            for (PersistenceContribution contribution : contributions) {
                contribution.entityClasses().forEach(sources::addAnnotatedClass);
            }
            return sources.buildMetadata().buildSessionFactory();
        } catch (RuntimeException e) {
            StandardServiceRegistryBuilder.destroy(registry);
            throw new DatabaseUnavailableException("the database schema does not match the entities: "
                    + ConnectionPool.firstLine(e.getMessage()), e);
        }
    }

    /**
     * Whether Hibernate may have to make a proxy of an entity: a lazy to-one association (the only laziness that
     * needs one without build-time enhancement), or a plugin's entities, whose code may ask for references
     * ({@code EntityManager.getReference}). The panel's own modules have neither.
     */
    static boolean needsProxies(Collection<PersistenceContribution> contributions) {
        for (PersistenceContribution contribution : contributions) {
            if (contribution.order() >= 1000) {
                return true;
            }
            for (Class<?> entity : contribution.entityClasses()) {
                for (Class<?> c = entity; c != null && c != Object.class; c = c.getSuperclass()) {
                    for (java.lang.reflect.Field field : c.getDeclaredFields()) {
                        if (lazyToOne(field)) {
                            return true;
                        }
                    }
                    for (java.lang.reflect.Method method : c.getDeclaredMethods()) {
                        if (lazyToOne(method)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean lazyToOne(java.lang.reflect.AnnotatedElement element) {
        jakarta.persistence.ManyToOne manyToOne = element.getAnnotation(jakarta.persistence.ManyToOne.class);
        jakarta.persistence.OneToOne oneToOne = element.getAnnotation(jakarta.persistence.OneToOne.class);
        return manyToOne != null && manyToOne.fetch() == jakarta.persistence.FetchType.LAZY
                || oneToOne != null && oneToOne.fetch() == jakarta.persistence.FetchType.LAZY;
    }
}
