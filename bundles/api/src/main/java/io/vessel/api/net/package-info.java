/**
 * Connections the panel itself opens to addresses users give it (webhooks, plugin catalogues, backup targets):
 * where they may go.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vessel.api.net;
