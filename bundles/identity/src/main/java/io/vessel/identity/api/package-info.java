/**
 * Who uses the panel: the tenancy tree (provider, resellers, customers) and the accounts in it. Authorization is
 * declared with {@code io.vessel.api.security}; this package is for bundles that need to look people up.
 */
@org.osgi.annotation.versioning.Version("2.2.0")
package io.vessel.identity.api;
