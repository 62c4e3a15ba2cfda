package io.vessel.billing.api;

/**
 * How often a plan's recurring price is charged. {@code HOUR}: per started hour of a VE's life, capped at the plan's
 * monthly cap (as SolusVM and RamNode bill), counted in UTC so that daylight-saving changes neither add nor drop one.
 */
public enum BillingPeriod {
    HOUR, MONTH, YEAR
}
