package io.vessel.billing.api;

import java.math.BigDecimal;

/** What a plan charges for a meter: {@code included} units free each period, the rest priced by {@code price}. */
public record MeterCharge(String meter, BigDecimal included, PriceModel price) {
}
