package io.vessel.billing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class PriceModelPropertiesTest {

    @Property
    void graduatedChargesNeverFallAsUsageGrows(@ForAll("graduated") PriceModel.Graduated model, @ForAll("quantity") BigDecimal a,
                                               @ForAll("quantity") BigDecimal b) {
        BigDecimal low = a.min(b);
        BigDecimal high = a.max(b);
        assertTrue(model.charge(low).compareTo(model.charge(high)) <= 0, model + ": " + low + " costs more than " + high);
    }

    @Property
    void aGraduatedChargeIsTheSumOfWhatEachTierCharges(@ForAll("graduated") PriceModel.Graduated model, @ForAll("quantity") BigDecimal q) {
        BigDecimal expected = BigDecimal.ZERO;
        BigDecimal lower = BigDecimal.ZERO;
        for (Tier tier : model.tiers()) {
            if (q.compareTo(lower) <= 0) {
                break;
            }
            BigDecimal upper = tier.upTo() == null ? q : tier.upTo().min(q);
            expected = expected.add(new PriceModel.PerUnit(tier.unitPrice()).charge(upper.subtract(lower))).add(tier.flatFee());
            lower = tier.upTo() == null ? q : tier.upTo();
        }
        assertEquals(0, expected.compareTo(model.charge(q)));
    }

    @Property
    void aVolumeChargePricesEveryUnitByTheTierTheTotalFallsIn(@ForAll("graduated") PriceModel.Graduated tiers, @ForAll("quantity") BigDecimal q) {
        PriceModel.Volume model = new PriceModel.Volume(tiers.tiers());
        Tier reached = tiers.tiers().stream().filter(t -> t.upTo() == null || q.compareTo(t.upTo()) <= 0).findFirst().orElseThrow();
        BigDecimal expected = q.signum() == 0 ? BigDecimal.ZERO : q.multiply(reached.unitPrice()).add(reached.flatFee());
        assertEquals(0, expected.compareTo(model.charge(q)));
    }

    @Property
    void packagesChargeEveryStartedBlock(@ForAll @IntRange(min = 1, max = 50) int blockSize, @ForAll @IntRange(min = 0, max = 10_000) int units) {
        PriceModel.Package model = new PriceModel.Package(BigDecimal.valueOf(blockSize), new BigDecimal("2.50"));
        int blocks = (units + blockSize - 1) / blockSize;
        assertEquals(0, new BigDecimal("2.50").multiply(BigDecimal.valueOf(blocks)).compareTo(model.charge(BigDecimal.valueOf(units))));
    }

    @Property
    void anAllocationNeverLosesOrMakesACent(@ForAll @IntRange(min = -1_000_000, max = 1_000_000) int cents,
                                           @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 0, max = 1000) Integer> weights) {
        if (weights.stream().allMatch(w -> w == 0)) {
            return;
        }
        Money total = new Money(BigDecimal.valueOf(cents, 2), Money.currency("EUR"));
        List<BigDecimal> w = weights.stream().map(BigDecimal::valueOf).toList();
        List<Money> parts = total.allocate(w);
        assertEquals(0, total.amount().compareTo(parts.stream().map(Money::amount).reduce(BigDecimal.ZERO, BigDecimal::add)), parts.toString());
        BigDecimal sum = w.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        for (int i = 0; i < parts.size(); i++) {
            BigDecimal exact = total.amount().multiply(w.get(i)).divide(sum, java.math.MathContext.DECIMAL128);
            assertTrue(exact.subtract(parts.get(i).amount()).abs().compareTo(new BigDecimal("0.01")) < 0, "part " + i + " strays from " + exact);
            assertEquals(2, parts.get(i).amount().scale());
        }
    }

    @Property
    void lineTotalsRoundedToTheMinorUnitAddUpToTheInvoiceTotal(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 10_000_000) Integer> micro,
                                                              @ForAll("currency") String currency) {
        Money total = Money.zero(Money.currency(currency));
        BigDecimal sum = BigDecimal.ZERO;
        for (int m : micro) {
            Money line = new Money(BigDecimal.valueOf(m, 6), Money.currency(currency)).rounded(RoundingMode.HALF_UP);
            assertEquals(line.minorDigits(), line.amount().scale());
            total = total.plus(line);
            sum = sum.add(line.amount());
        }
        assertEquals(0, sum.compareTo(total.amount()));
    }

    @Example
    void badPricesAreRefusedNamingTheField() {
        assertEquals("unitPrice", assertThrows(InvalidPriceException.class, () -> new PriceModel.PerUnit(new BigDecimal("-1"))).field());
        assertEquals("unitPrice", assertThrows(InvalidPriceException.class, () -> new PriceModel.PerUnit(new BigDecimal("0.0000001"))).field());
        assertEquals("tiers[1].upTo", assertThrows(InvalidPriceException.class, () -> new PriceModel.Graduated(List.of(
                Tier.upTo("100", "0.10"), Tier.upTo("50", "0.05"), Tier.upTo(null, "0.01")))).field());
        assertEquals("tiers[0].upTo", assertThrows(InvalidPriceException.class, () -> new PriceModel.Volume(List.of(
                Tier.upTo(null, "0.10"), Tier.upTo(null, "0.05")))).field());
        assertEquals("currency", assertThrows(InvalidPriceException.class, () -> Money.of("1.00", "XYZ")).field());
        assertEquals("quantity", assertThrows(InvalidPriceException.class, () -> new PriceModel.PerUnit(BigDecimal.ONE).charge(new BigDecimal("-2"))).field());
    }

    @Example
    void currenciesRoundToTheirOwnMinorUnit() {
        assertEquals("1235 JPY", Money.of("1234.5", "JPY").rounded(RoundingMode.HALF_UP).toString());
        assertEquals("1.235 BHD", Money.of("1.2345", "BHD").rounded(RoundingMode.HALF_UP).toString());
        assertEquals("1.23 EUR", Money.of("1.2345", "EUR").rounded(RoundingMode.HALF_EVEN).toString());
    }

    @Provide
    Arbitrary<BigDecimal> quantity() {
        return Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("100000")).ofScale(3);
    }

    @Provide
    Arbitrary<String> currency() {
        return Arbitraries.of("EUR", "USD", "JPY", "BHD", "CHF");
    }

    @Provide
    Arbitrary<PriceModel.Graduated> graduated() {
        Arbitrary<List<Integer>> widths = Arbitraries.integers().between(1, 5000).list().ofMinSize(0).ofMaxSize(5);
        Arbitrary<BigDecimal> price = Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("10")).ofScale(6);
        return widths.flatMap(ws -> price.list().ofSize(ws.size() + 1).flatMap(prices -> price.list().ofSize(ws.size() + 1).map(fees -> {
            List<Tier> tiers = new ArrayList<>();
            int bound = 0;
            for (int i = 0; i < ws.size(); i++) {
                bound += ws.get(i);
                tiers.add(new Tier(BigDecimal.valueOf(bound), prices.get(i), fees.get(i)));
            }
            tiers.add(new Tier(null, prices.get(ws.size()), fees.get(ws.size())));
            return new PriceModel.Graduated(tiers);
        })));
    }
}
