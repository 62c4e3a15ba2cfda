package io.vessel.billing.api;

/** What happens once a VE has used its plan's monthly traffic allowance, until the period resets. */
public enum TrafficPolicy {
    /** Charge the overage (the plan's traffic meter price). */
    BILL,
    /** Throttle the VE's network to the plan's throttle rate. */
    THROTTLE,
    /** Suspend the VE. */
    SUSPEND
}
