/**
 * The customer self-service portal, served at {@code /portal} over the REST API.
 * Placeholder until the web UI issue.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.vessel.portal.api;
