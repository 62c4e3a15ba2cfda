package io.vessel.billing.api;

/** Where plugins report the usage of their meters (a billing service; its calls are quick database writes). */
public interface UsageRecorder {

    /** How long after a period's end usage of it is still billed, as a correction; older events are refused. */
    int CORRECTION_WINDOW_DAYS = 30;

    /**
     * Records an event durably, once per meter and key (a second call with the same key changes nothing and is not an
     * error).
     *
     * @throws IllegalArgumentException for an unknown meter, a missing value, or an event older than the correction
     *                                  window; the message says which
     */
    void record(UsageEvent event);
}
