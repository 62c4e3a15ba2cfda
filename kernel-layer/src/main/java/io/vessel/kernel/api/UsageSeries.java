package io.vessel.kernel.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A VE's usage over time, one list of points per metric (named like the fields of {@link UsageSample}). Each
 * point covers {@code stepSeconds} ending at its time: gauges are averaged over it ({@code memoryPeakBytes}: the
 * maximum), counters show their value at its end.
 */
public record UsageSeries(int veId, Instant from, Instant to, long stepSeconds, String resolution,
                          Map<String, List<Point>> series) {

    /** One value at one time. */
    public record Point(Instant at, double value) {
    }
}
