package io.vessel.billing.internal;

import io.vessel.billing.api.BillingPeriod;
import io.vessel.billing.api.InvalidPriceException;
import io.vessel.billing.api.MeterCharge;
import io.vessel.billing.api.Meters;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PlanBackupSchedule;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.billing.api.PriceModel;
import io.vessel.billing.api.Tier;
import io.vessel.billing.api.TrafficPolicy;
import io.vessel.web.api.Problem;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A plan as JSON: amounts are decimal strings (JavaScript and PHP clients would round numbers), and what is wrong
 * with a request is said for every field at once, each error naming its field.
 */
public final class PlanJson {

    /** Body of {@code POST /api/v1/billing/plans} ({@code code} is the plan's; {@code PUT} ignores it) and a version's stored form. */
    public record PlanRequest(String code, String name, String currency, String period, String price, String monthlyCap, String setupFee,
                              Integer trialDays, Boolean suspendedAccrues, Quotas quotas, List<Charge> charges, BackupScheduleJson backupSchedule) {
    }

    /** {@link PlanBackupSchedule} as JSON: {@code keep} names restic's rules ({@code last}, {@code daily}, …). */
    public record BackupScheduleJson(String cron, String timeZone, Integer spreadMinutes, Keep keep) {
    }

    public record Keep(Integer last, Integer hourly, Integer daily, Integer weekly, Integer monthly, Integer yearly) {
    }

    /** {@link PlanQuotas} as JSON; {@code trafficPolicy} is BILL, THROTTLE or SUSPEND. */
    public record Quotas(Long memoryMiB, Long swapMiB, Long diskGiB, Long cpuWeight, Long cpuCapPercent, Long processes, Long ioReadMBps,
                         Long ioWriteMBps, Long bandwidthMbit, Long trafficGiB, String trafficPolicy, Long throttleMbit, Long ipv4, Long ipv6,
                         Long ves, Long backupSlots, Long backupGiB, Boolean backupsWhileSuspended) {
    }

    /** What a plan charges for one meter. */
    public record Charge(String meter, String included, Price price) {
    }

    /**
     * A price model: {@code perUnit} ({@code unitPrice}), {@code graduated} or {@code volume} ({@code tiers}, the last
     * without {@code upTo}), {@code package} ({@code blockSize}, {@code blockPrice}).
     */
    public record Price(String model, String unitPrice, List<TierJson> tiers, String blockSize, String blockPrice) {
    }

    public record TierJson(String upTo, String unitPrice, String flatFee) {
    }

    private PlanJson() {
    }

    /** The definition a request describes; every problem is added to {@code errors} (then the result is null). */
    /** The definition a request describes; {@code meters}: the meters a plan may charge for. */
    static PlanDefinition definition(PlanRequest r, Set<String> meters, List<Problem.FieldError> errors) {
        int before = errors.size();
        String name = r.name() == null ? "" : r.name().strip();
        if (name.isEmpty() || name.length() > 200) {
            errors.add(new Problem.FieldError("name", "required, at most 200 characters"));
        }
        java.util.Currency currency = null;
        try {
            currency = Money.currency(r.currency());
        } catch (InvalidPriceException e) {
            errors.add(new Problem.FieldError("currency", "'" + r.currency() + "' is not an ISO 4217 currency code"));
        }
        BillingPeriod period = enumValue(BillingPeriod.class, "period", r.period(), true, errors);
        BigDecimal price = amount("price", r.price(), true, errors);
        BigDecimal monthlyCap = amount("monthlyCap", r.monthlyCap(), false, errors);
        if (monthlyCap != null && period != BillingPeriod.HOUR) {
            errors.add(new Problem.FieldError("monthlyCap", "only hourly plans have a monthly cap"));
        }
        if (monthlyCap != null && price != null && monthlyCap.compareTo(price) < 0) {
            errors.add(new Problem.FieldError("monthlyCap", "must not be below the hourly price"));
        }
        BigDecimal setupFee = amount("setupFee", r.setupFee(), false, errors);
        int trialDays = r.trialDays() == null ? 0 : r.trialDays();
        if (trialDays < 0 || trialDays > 365) {
            errors.add(new Problem.FieldError("trialDays", "from 0 to 365"));
        }
        PlanQuotas quotas = quotas(r.quotas(), errors);
        List<MeterCharge> charges = charges(r.charges(), meters, errors);
        PlanBackupSchedule backupSchedule = backupSchedule(r.backupSchedule(), errors);
        if (errors.size() > before) {
            return null;
        }
        return new PlanDefinition(name, currency, period, price, monthlyCap, setupFee == null ? BigDecimal.ZERO : setupFee, trialDays,
                r.suspendedAccrues() == null || r.suspendedAccrues(), quotas, charges, backupSchedule);
    }

    private static PlanQuotas quotas(Quotas q, List<Problem.FieldError> errors) {
        if (q == null) {
            return PlanQuotas.UNLIMITED;
        }
        Object[][] counts = {{"memoryMiB", q.memoryMiB()}, {"swapMiB", q.swapMiB()}, {"diskGiB", q.diskGiB()}, {"cpuWeight", q.cpuWeight()},
            {"cpuCapPercent", q.cpuCapPercent()}, {"processes", q.processes()}, {"ioReadMBps", q.ioReadMBps()}, {"ioWriteMBps", q.ioWriteMBps()},
            {"bandwidthMbit", q.bandwidthMbit()}, {"trafficGiB", q.trafficGiB()}, {"throttleMbit", q.throttleMbit()}, {"ipv4", q.ipv4()},
            {"ipv6", q.ipv6()}, {"ves", q.ves()}, {"backupSlots", q.backupSlots()}, {"backupGiB", q.backupGiB()}};
        for (Object[] count : counts) {
            if (count[1] != null && (Long) count[1] < 0) {
                errors.add(new Problem.FieldError("quotas." + count[0], "must be 0 or more"));
            }
        }
        if (q.cpuWeight() != null && (q.cpuWeight() < 1 || q.cpuWeight() > 10_000)) {
            errors.add(new Problem.FieldError("quotas.cpuWeight", "from 1 to 10000"));
        }
        TrafficPolicy policy = enumValue(TrafficPolicy.class, "quotas.trafficPolicy", q.trafficPolicy(), false, errors);
        if (q.trafficGiB() != null && policy == null && q.trafficPolicy() == null) {
            errors.add(new Problem.FieldError("quotas.trafficPolicy", "required with a traffic allowance: BILL, THROTTLE or SUSPEND"));
        }
        if (policy == TrafficPolicy.THROTTLE && (q.throttleMbit() == null || q.throttleMbit() < 1)) {
            errors.add(new Problem.FieldError("quotas.throttleMbit", "required (1 or more) when the traffic policy is THROTTLE"));
        }
        return new PlanQuotas(q.memoryMiB(), q.swapMiB(), q.diskGiB(), q.cpuWeight(), q.cpuCapPercent(), q.processes(), q.ioReadMBps(),
                q.ioWriteMBps(), q.bandwidthMbit(), q.trafficGiB(), policy, q.throttleMbit(), q.ipv4(), q.ipv6(), q.ves(), q.backupSlots(),
                q.backupGiB(), q.backupsWhileSuspended());
    }

    /** A cron expression's shape: five or six fields of digits, names and cron's operators (the backup bundle reads it). */
    private static final java.util.regex.Pattern CRON = java.util.regex.Pattern.compile("[0-9A-Za-z*/,?#LW-]+(\\s+[0-9A-Za-z*/,?#LW-]+){4,5}");

    private static PlanBackupSchedule backupSchedule(BackupScheduleJson b, List<Problem.FieldError> errors) {
        if (b == null) {
            return null;
        }
        String cron = b.cron() == null ? "" : b.cron().strip().replaceAll("\\s+", " ");
        if (!CRON.matcher(cron).matches()) {
            errors.add(new Problem.FieldError("backupSchedule.cron", "a cron expression of five fields (or six, seconds first), e.g. 0 3 * * *"));
        }
        String zone = b.timeZone() == null || b.timeZone().isBlank() ? "UTC" : b.timeZone().strip();
        try {
            java.time.ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            errors.add(new Problem.FieldError("backupSchedule.timeZone", "'" + zone + "' is not a time zone such as Europe/Berlin"));
        }
        int spread = b.spreadMinutes() == null ? 0 : b.spreadMinutes();
        if (spread < 0 || spread > 1440) {
            errors.add(new Problem.FieldError("backupSchedule.spreadMinutes", "from 0 to 1440"));
        }
        Keep k = b.keep() == null ? new Keep(null, null, null, null, null, null) : b.keep();
        int[] keep = {n(k.last()), n(k.hourly()), n(k.daily()), n(k.weekly()), n(k.monthly()), n(k.yearly())};
        for (int n : keep) {
            if (n < 0 || n > 1000) {
                errors.add(new Problem.FieldError("backupSchedule.keep", "each rule keeps 0 to 1000 backups"));
                break;
            }
        }
        return new PlanBackupSchedule(cron, zone, spread, keep[0], keep[1], keep[2], keep[3], keep[4], keep[5]);
    }

    private static int n(Integer value) {
        return value == null ? 0 : value;
    }

    private static List<MeterCharge> charges(List<Charge> charges, Set<String> meters, List<Problem.FieldError> errors) {
        List<MeterCharge> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; charges != null && i < charges.size(); i++) {
            Charge c = charges.get(i);
            String at = "charges[" + i + "]";
            if (c == null || c.meter() == null || !meters.contains(c.meter())) {
                errors.add(new Problem.FieldError(at + ".meter", "one of " + String.join(", ", new java.util.TreeSet<>(meters))));
                continue;
            }
            if (!seen.add(c.meter())) {
                errors.add(new Problem.FieldError(at + ".meter", c.meter() + " is charged twice"));
            }
            BigDecimal included = amount(at + ".included", c.included(), false, errors);
            PriceModel model = model(at + ".price", c.price(), errors);
            if (model != null) {
                out.add(new MeterCharge(c.meter(), included == null ? BigDecimal.ZERO : included, model));
            }
        }
        return List.copyOf(out);
    }

    private static PriceModel model(String at, Price p, List<Problem.FieldError> errors) {
        if (p == null || p.model() == null) {
            errors.add(new Problem.FieldError(at + ".model", "perUnit, graduated, volume or package"));
            return null;
        }
        try {
            return switch (p.model()) {
                case "perUnit" -> new PriceModel.PerUnit(number(p.unitPrice(), "unitPrice"));
                case "graduated" -> new PriceModel.Graduated(tiers(p.tiers()));
                case "volume" -> new PriceModel.Volume(tiers(p.tiers()));
                case "package" -> new PriceModel.Package(number(p.blockSize(), "blockSize"), number(p.blockPrice(), "blockPrice"));
                default -> throw new InvalidPriceException("model", "perUnit, graduated, volume or package, not '" + p.model() + "'");
            };
        } catch (InvalidPriceException e) {
            errors.add(new Problem.FieldError(at + "." + e.field(), e.getMessage().substring(e.field().length() + 2)));
            return null;
        }
    }

    private static List<Tier> tiers(List<TierJson> tiers) {
        List<Tier> out = new ArrayList<>();
        for (int i = 0; tiers != null && i < tiers.size(); i++) {
            TierJson t = tiers.get(i);
            String at = "tiers[" + i + "]";
            out.add(new Tier(t.upTo() == null ? null : number(t.upTo(), at + ".upTo"), number(t.unitPrice(), at + ".unitPrice"),
                    t.flatFee() == null ? BigDecimal.ZERO : number(t.flatFee(), at + ".flatFee")));
        }
        return out;
    }

    private static BigDecimal number(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new InvalidPriceException(field, "is required");
        }
        try {
            return new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidPriceException(field, "'" + text + "' is not a decimal number");
        }
    }

    /** A non-negative amount with at most 6 decimals, as a decimal string. */
    private static BigDecimal amount(String field, String text, boolean required, List<Problem.FieldError> errors) {
        if (text == null || text.isBlank()) {
            if (required) {
                errors.add(new Problem.FieldError(field, "required, a decimal string such as \"9.90\""));
            }
            return null;
        }
        BigDecimal value;
        try {
            value = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            errors.add(new Problem.FieldError(field, "'" + text + "' is not a decimal number"));
            return null;
        }
        if (value.signum() < 0) {
            errors.add(new Problem.FieldError(field, "must not be negative"));
            return null;
        }
        if (value.stripTrailingZeros().scale() > PriceModel.MAX_PRICE_SCALE) {
            errors.add(new Problem.FieldError(field, "at most " + PriceModel.MAX_PRICE_SCALE + " decimals"));
            return null;
        }
        return value;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String field, String text, boolean required, List<Problem.FieldError> errors) {
        if (text == null || text.isBlank()) {
            if (required) {
                errors.add(new Problem.FieldError(field, "required: " + names(type)));
            }
            return null;
        }
        try {
            return Enum.valueOf(type, text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError(field, names(type) + ", not '" + text + "'"));
            return null;
        }
    }

    private static String names(Class<? extends Enum<?>> type) {
        return String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toList());
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** A stored version's definition, back in its domain form. */
    static PlanDefinition read(PlanVersionEntity version) {
        List<Problem.FieldError> errors = new ArrayList<>();
        PlanRequest stored = stored(version);
        // its meters were chargeable when it was made; a plugin meter whose plugin is gone does not unmake the plan
        Set<String> meters = new HashSet<>(Meters.BUILT_IN);
        if (stored.charges() != null) {
            stored.charges().forEach(c -> meters.add(c.meter()));
        }
        PlanDefinition d = definition(stored, meters, errors);
        if (d == null) {
            throw new IllegalStateException("plan version " + version.id + " no longer reads as a valid plan: " + errors);
        }
        return d;
    }

    /** A stored version's definition as it is shown. */
    static PlanRequest stored(PlanVersionEntity version) {
        try {
            return JSON.readValue(version.definition, PlanRequest.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("plan version " + version.id + " cannot be read", e);
        }
    }

    /** A definition as it is stored: its shown form, as JSON. */
    static String write(PlanDefinition definition) {
        try {
            return JSON.writeValueAsString(of(definition));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a plan definition cannot be written as JSON", e);
        }
    }

    /** The stored (and shown) form of a definition. */
    static PlanRequest of(PlanDefinition d) {
        PlanQuotas q = d.quotas();
        Quotas quotas = new Quotas(q.memoryMiB(), q.swapMiB(), q.diskGiB(), q.cpuWeight(), q.cpuCapPercent(), q.processes(), q.ioReadMBps(),
                q.ioWriteMBps(), q.bandwidthMbit(), q.trafficGiB(), q.trafficPolicy() == null ? null : q.trafficPolicy().name(), q.throttleMbit(),
                q.ipv4(), q.ipv6(), q.ves(), q.backupSlots(), q.backupGiB(), q.backupsWhileSuspended());
        List<Charge> charges = d.charges().stream().map(c -> new Charge(c.meter(), plain(c.included()), price(c.price()))).toList();
        PlanBackupSchedule b = d.backupSchedule();
        BackupScheduleJson schedule = b == null ? null : new BackupScheduleJson(b.cron(), b.timeZone(), b.spreadMinutes(),
                new Keep(b.keepLast(), b.keepHourly(), b.keepDaily(), b.keepWeekly(), b.keepMonthly(), b.keepYearly()));
        return new PlanRequest(null, d.name(), d.currency().getCurrencyCode(), d.period().name(), plain(d.price()), plain(d.monthlyCap()),
                plain(d.setupFee()), d.trialDays(), d.suspendedAccrues(), quotas, charges, schedule);
    }

    private static Price price(PriceModel model) {
        if (model instanceof PriceModel.PerUnit p) {
            return new Price("perUnit", plain(p.unitPrice()), null, null, null);
        }
        if (model instanceof PriceModel.Graduated g) {
            return new Price("graduated", null, tierJson(g.tiers()), null, null);
        }
        if (model instanceof PriceModel.Volume v) {
            return new Price("volume", null, tierJson(v.tiers()), null, null);
        }
        PriceModel.Package p = (PriceModel.Package) model;
        return new Price("package", null, null, plain(p.blockSize()), plain(p.blockPrice()));
    }

    private static List<TierJson> tierJson(List<Tier> tiers) {
        return tiers.stream().map(t -> new TierJson(plain(t.upTo()), plain(t.unitPrice()), plain(t.flatFee()))).toList();
    }

    private static String plain(BigDecimal value) {
        return value == null ? null : value.toPlainString();
    }
}
