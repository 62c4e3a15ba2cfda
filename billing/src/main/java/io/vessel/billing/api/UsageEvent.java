package io.vessel.billing.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * Something a plugin meter measured.
 *
 * @param meter  a registered {@link PluginMeter}'s name
 * @param key    the event's identity: an event is recorded once per meter and key, so a plugin may send it again
 *               after a failure or a restart without counting twice
 * @param tenant whose usage it is
 * @param ve     the VE it concerns, or null for the tenant as a whole
 * @param at     when it happened (billed with the period it falls in; late events become corrections)
 * @param value  the quantity (SUM) or the reading (MAX, LATEST, TIME_WEIGHTED_SUM); null for COUNT_UNIQUE
 * @param unique what COUNT_UNIQUE counts (a user or domain name); null otherwise
 */
public record UsageEvent(String meter, String key, UUID tenant, Integer ve, Instant at, BigDecimal value, String unique) {
}
