package io.vessel.identity.api;

/** What an account may do, by the level of the tenancy tree it belongs to. */
public enum Role {
    PROVIDER_ADMIN,
    RESELLER_ADMIN,
    CUSTOMER_OWNER,
    CUSTOMER_MEMBER,
    AUDITOR
}
