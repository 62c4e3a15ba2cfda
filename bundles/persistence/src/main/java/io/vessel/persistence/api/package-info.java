/**
 * Database access for Vessel bundles and plugins.
 *
 * <p>A bundle that owns entities registers a {@link io.vessel.persistence.api.PersistenceContribution} service.
 * The persistence bundle applies the bundle's versioned SQL migrations, adds its entity classes to the
 * Hibernate session factory and publishes {@link io.vessel.persistence.api.Database} with the module name in
 * the service property {@value io.vessel.persistence.api.Database#MODULES_PROPERTY}. A component that needs its
 * own entities therefore references {@code Database} with a target filter on its module name.
 */
@org.osgi.annotation.versioning.Version("1.4.0")
package io.vessel.persistence.api;
