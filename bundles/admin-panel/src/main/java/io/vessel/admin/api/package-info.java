/** The provider's and resellers' admin panel at {@code /admin}. Extension points for plugin pages will live here. */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.vessel.admin.api;
