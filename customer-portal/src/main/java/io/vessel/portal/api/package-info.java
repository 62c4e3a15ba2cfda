/**
 * The customer self-service portal, served at {@code /portal} over the REST API. Nothing is exported yet; UI
 * contributions from plugins (menu items, VE tabs) will be declared here.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.vessel.portal.api;
