package io.vessel.kernel.api;

import java.time.Duration;

/**
 * Whether a node is heard from. Every node writes a heartbeat into the database every {@link #HEARTBEAT}; one
 * silent for {@link #SILENCE} is {@link #UNREACHABLE}, and its VEs are reported as {@link VeState#UNKNOWN} until it
 * is heard from again and reconciles.
 */
public enum NodeHealth {
    ONLINE, UNREACHABLE;

    /** How often a node says it is alive. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** How long a node may be silent before it counts as out of reach: six heartbeats missed. */
    public static final Duration SILENCE = Duration.ofSeconds(30);
}
