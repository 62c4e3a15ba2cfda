package io.vessel.kernel.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Resource accounting of this node's VEs. Every sample is also posted to OSGi EventAdmin on {@link #TOPIC}
 * (billing and alerts subscribe there), with the {@link UsageSample} field names as event properties plus
 * {@value #VE_ID} and {@value #AT} (epoch milliseconds).
 */
public interface UsageService {

    String TOPIC = "io/vessel/kernel/usage/SAMPLE";
    String VE_ID = "ve.id";
    String AT = "at";
    /**
     * Property of VE state events ({@code io/vessel/kernel/ve/<STATE>}, with {@value #VE_ID} and {@code state}):
     * the VE's owning tenant, absent for the provider's own VEs.
     */
    String OWNER = "owner";
    /**
     * Property of VE state events: {@code true} when the change was made by another node on the same database (a
     * VE running there), posted here for live views. Whatever must act once per change skips these: the VE's own
     * node acted on it. Since 2.12.
     */
    String REMOTE = "remote";

    /** The latest sample of a running VE. */
    Optional<UsageSample> current(int veId);

    /** The latest samples of all running VEs. */
    List<UsageSample> currentAll();

    /**
     * Usage of a VE between {@code from} and {@code to} in steps of {@code step}: raw samples serve steps under a
     * minute (kept 48 h by default), 1-minute rollups steps under an hour (30 days), 1-hour rollups the rest (2 years).
     */
    UsageSeries series(int veId, Instant from, Instant to, Duration step);

    /**
     * The newest stored state of a VE's counters as of {@code at} (a raw sample, or a 1-minute or 1-hour rollup where
     * the raw samples are gone; a rollup counts once its bucket is over, and carries the bucket's end as its time),
     * with its counters exact: what billing rates usage from, as the difference of lifetime counters between two
     * such samples. Empty when nothing was stored for the VE by then.
     */
    default Optional<UsageSample> storedAtOrBefore(int veId, Instant at) {
        return Optional.empty();
    }

    /** {@link #storedAtOrBefore(int, Instant)} for many VEs at once (VEs with nothing stored by then are missing). */
    default java.util.Map<Integer, UsageSample> storedAtOrBefore(java.util.Collection<Integer> veIds, Instant at) {
        java.util.Map<Integer, UsageSample> out = new java.util.HashMap<>();
        for (int ve : veIds) {
            storedAtOrBefore(ve, at).ifPresent(sample -> out.put(ve, sample));
        }
        return out;
    }
}
