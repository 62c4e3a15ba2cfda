/**
 * Who uses the panel: accounts and their roles. Tenancy, tokens, two-factor authentication and the audit log are
 * added here.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vessel.identity.api;
