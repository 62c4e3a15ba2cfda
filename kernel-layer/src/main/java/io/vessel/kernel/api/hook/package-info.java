/**
 * VE lifecycle hooks: plugins are asked before a VE is created, started, reinstalled, given new limits or
 * destroyed, and may refuse; after each of these they are told. See {@link io.vessel.kernel.api.hook.VeLifecycleHook}.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vessel.kernel.api.hook;
