/**
 * The kernel layer's contract: what this host can do and which node it is. VE lifecycle, storage, limits and
 * accounting are added here as services; upper layers never touch kernel interfaces directly.
 */
@org.osgi.annotation.versioning.Version("2.16.0")
package io.vessel.kernel.api;
