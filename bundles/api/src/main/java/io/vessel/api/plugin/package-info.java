/**
 * The plugin platform's contracts for the panel's own bundles: calling into a plugin's code on that plugin's own
 * bounded threads, with a time limit ({@link io.vessel.api.plugin.PluginCalls}). Plugins themselves implement the
 * extension points of the bundles they extend (VE lifecycle hooks in {@code io.vessel.kernel.api.hook}, ...).
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package io.vessel.api.plugin;
