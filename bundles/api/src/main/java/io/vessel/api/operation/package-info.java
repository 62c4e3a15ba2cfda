/**
 * Long-running actions (create, reinstall, backup, restore) as tracked operations: persisted, with state,
 * progress and result, pollable at {@code /api/v1/operations/{id}}.
 */
@org.osgi.annotation.versioning.Version("2.3.0")
package io.vessel.api.operation;
