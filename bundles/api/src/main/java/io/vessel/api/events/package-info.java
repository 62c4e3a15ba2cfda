/**
 * The panel's event stream ({@code GET /api/v1/events}) as other bundles feed it: live data about the VEs that open
 * streams watch, computed only while someone watches.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vessel.api.events;
