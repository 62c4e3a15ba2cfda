package io.vessel.billing.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.web.api.ProblemException;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Two-level selling: a reseller buys an allocation from the provider (the plans it subscribes to itself) and may sell
 * its customers plans adding up to that allocation times the oversell ratio the provider set per resource (1.0
 * forbids overselling). A reseller without an allocation is not limited by billing, as a customer without a
 * subscription is not.
 */
final class Resellers {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A resource that adds up over subscriptions: its name in quotas and ratios, how people call it, and its unit. */
    record Resource(String key, String label, String unit, Function<PlanQuotas, Long> amount) {
    }

    static final List<Resource> RESOURCES = List.of(
            new Resource("memoryMiB", "memory", " MiB", PlanQuotas::memoryMiB),
            new Resource("swapMiB", "swap", " MiB", PlanQuotas::swapMiB),
            new Resource("diskGiB", "disk", " GiB", PlanQuotas::diskGiB),
            new Resource("processes", "processes", "", PlanQuotas::processes),
            new Resource("ves", "VEs", "", PlanQuotas::ves),
            new Resource("ipv4", "IPv4 addresses", "", PlanQuotas::ipv4),
            new Resource("ipv6", "IPv6 addresses", "", PlanQuotas::ipv6),
            new Resource("trafficGiB", "traffic", " GiB a month", PlanQuotas::trafficGiB),
            new Resource("backupSlots", "backup slots", "", PlanQuotas::backupSlots),
            new Resource("backupGiB", "backup storage", " GiB", PlanQuotas::backupGiB));

    private Resellers() {
    }

    /** The quotas of the tenant's running (not ended) subscriptions. */
    static List<PlanQuotas> activeQuotas(EntityManager em, UUID tenant, Instant now) {
        return em.createQuery("select s from BillingSubscription s where s.tenantId = :t and s.endedAt is null", SubscriptionEntity.class)
                .setParameter("t", tenant).getResultList().stream().filter(s -> s.cancelAt == null || now.isBefore(s.cancelAt))
                .map(s -> Subscriptions.plan(em, s).quotas()).toList();
    }

    /** The quotas of the running subscriptions the seller sold, but {@code excluding}'s. */
    static List<PlanQuotas> sold(EntityManager em, UUID seller, UUID excluding, Instant now) {
        return em.createQuery("select s from BillingSubscription s, BillingAccount a where a.tenantId = s.tenantId and a.sellerTenant = :seller"
                        + " and s.endedAt is null", SubscriptionEntity.class).setParameter("seller", seller).getResultList().stream()
                .filter(s -> s.cancelAt == null || now.isBefore(s.cancelAt)).filter(s -> !s.id.equals(excluding))
                .map(s -> Subscriptions.plan(em, s).quotas()).toList();
    }

    /** The ratios the provider set for the reseller (1.0 for a resource not named). */
    static Map<String, BigDecimal> ratios(EntityManager em, UUID reseller) {
        ResellerTermsEntity terms = em.find(ResellerTermsEntity.class, reseller);
        return terms == null ? Map.of() : parse(terms.oversell);
    }

    static Map<String, BigDecimal> parse(String oversell) {
        try {
            Map<String, String> raw = JSON.readValue(oversell, new TypeReference<Map<String, String>>() { });
            Map<String, BigDecimal> out = new LinkedHashMap<>();
            raw.forEach((k, v) -> out.put(k, new BigDecimal(v)));
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored oversell ratios are not JSON: " + oversell, e);
        }
    }

    static String write(Map<String, BigDecimal> ratios) {
        Map<String, String> out = new LinkedHashMap<>();
        ratios.forEach((k, v) -> out.put(k, v.toPlainString()));
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What the reseller may sell of each resource it has an allocation of: the allocation times its ratio, rounded
     * down. Empty when it has no allocation.
     */
    static Map<Resource, Long> sellable(EntityManager em, UUID reseller, Instant now) {
        List<PlanQuotas> allocation = activeQuotas(em, reseller, now);
        Map<Resource, Long> out = new LinkedHashMap<>();
        if (allocation.isEmpty()) {
            return out;
        }
        Map<String, BigDecimal> ratios = ratios(em, reseller);
        for (Resource r : RESOURCES) {
            Long allowed = sum(allocation, r.amount());
            if (allowed != null) {
                out.put(r, BigDecimal.valueOf(allowed).multiply(ratios.getOrDefault(r.key(), BigDecimal.ONE)).setScale(0, RoundingMode.DOWN).longValueExact());
            }
        }
        return out;
    }

    /**
     * Refuses ({@code 409}, naming the resource) a sale by {@code seller} of a plan granting {@code adding} that goes
     * beyond what the seller may sell; {@code replacing} is the subscription a plan change ends (null for a new one).
     */
    static void checkSale(EntityManager em, UUID seller, PlanQuotas adding, UUID replacing, Instant now) {
        // one sale of a seller at a time, so two at once cannot both take the last of its allocation
        em.find(AccountEntity.class, seller, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        Map<Resource, Long> sellable = sellable(em, seller, now);
        if (sellable.isEmpty()) {
            return;
        }
        List<PlanQuotas> sold = sold(em, seller, replacing, now);
        for (Map.Entry<Resource, Long> limit : sellable.entrySet()) {
            Resource r = limit.getKey();
            Long more = r.amount().apply(adding);
            if (more == null) {
                throw ProblemException.conflict("The plan leaves " + r.label() + " open, but the reseller may sell only " + limit.getValue() + r.unit()
                        + " of it (its allocation times its oversell ratio); give the plan a " + r.key() + " quota.");
            }
            Long already = sum(sold, r.amount());
            long soldSoFar = already == null ? Long.MAX_VALUE : already;
            if (already == null || soldSoFar + more > limit.getValue()) {
                throw ProblemException.conflict(r.label() + ": the reseller has sold " + (already == null ? "an unlimited amount" : soldSoFar + r.unit())
                        + ", and " + more + r.unit() + " more would go beyond the " + limit.getValue() + r.unit()
                        + " it may sell (its allocation times its oversell ratio).");
            }
        }
    }

    /** The VEs of the reseller's customers and its own. */
    static List<io.vessel.kernel.api.VirtualEnvironment> vesUnder(io.vessel.kernel.api.VeService ves, io.vessel.identity.api.IdentityService tree,
                                                                 UUID reseller) {
        return ves.list().stream().filter(ve -> ve.owner() != null && within(tree, ve.owner(), reseller)).toList();
    }

    private static boolean within(io.vessel.identity.api.IdentityService tree, String owner, UUID reseller) {
        try {
            return tree.isWithin(UUID.fromString(owner), reseller);
        } catch (IllegalArgumentException notATenant) {
            return false;
        }
    }

    /** The sum of a resource over quotas, or null when any of them leaves it open. */
    static Long sum(List<PlanQuotas> quotas, Function<PlanQuotas, Long> field) {
        long total = 0;
        for (PlanQuotas q : quotas) {
            Long v = field.apply(q);
            if (v == null) {
                return null;
            }
            total += v;
        }
        return total;
    }
}
