package io.vessel.identity.api;

/** The levels of the tenancy tree. */
public enum TenantKind {
    /** The hosting provider running the panel: the root, exactly one. */
    PROVIDER,
    /** Sells to its own customers; sees only them. */
    RESELLER,
    /** Owns VEs. */
    CUSTOMER
}
