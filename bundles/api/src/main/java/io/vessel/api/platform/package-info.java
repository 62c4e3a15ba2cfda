/**
 * Platform contracts every Vessel bundle may use: health checks, the start-up handshake with the launcher, how
 * settings are read, and what a request through the host's local socket carries.
 *
 * <p>The launcher watches for {@link io.vessel.api.platform.PanelReady}, {@link io.vessel.api.platform.NodeAgentReady} and
 * {@link io.vessel.api.platform.StartupFailure} services by name only, so it needs none of these classes.
 */
@org.osgi.annotation.versioning.Version("1.3.0")
package io.vessel.api.platform;
