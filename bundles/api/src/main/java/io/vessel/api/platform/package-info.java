/**
 * Platform contracts every Vessel bundle may use: health checks, the start-up handshake with the launcher, and how
 * settings are read.
 *
 * <p>The launcher watches for {@link io.vessel.api.platform.PanelReady} and
 * {@link io.vessel.api.platform.StartupFailure} services by name only, so it needs none of these classes.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package io.vessel.api.platform;
