package io.vessel.testpay.internal;

import io.vessel.billing.api.TaxEngine;
import java.math.BigDecimal;
import java.util.Locale;
import org.osgi.service.component.annotations.Component;

/**
 * A tax engine for the tests, and the reference for tax-engine authors: US sales tax by the customer's state, which a
 * seller's own rates (one per country and region) could say too, plus what they cannot — an exemption for a
 * customer with a resale certificate (its tax id), and an answer that fails (region {@code FAIL}: the tax service
 * is down), after which the document must wait for the next run.
 */
@Component(service = TaxEngine.class, property = TaxEngine.ID + "=testtax")
public final class TestTaxEngine implements TaxEngine {

    @Override
    public Tax decide(Request request) {
        String region = request.customer().region() == null ? "" : request.customer().region().toUpperCase(Locale.ROOT);
        if (region.equals("FAIL")) {
            throw new IllegalStateException("the tax service does not answer");
        }
        if (!"US".equals(request.customer().country())) {
            return new Tax(null, null, null);
        }
        if (request.customer().taxId() != null) {
            return new Tax(BigDecimal.ZERO, "Sales tax exempt", "Exempt: resale certificate " + request.customer().taxId() + ".");
        }
        return switch (region) {
            case "NY" -> new Tax(new BigDecimal("8.875"), "Sales tax NY 8.875%", null);
            case "CA" -> new Tax(new BigDecimal("7.25"), "Sales tax CA 7.25%", null);
            default -> new Tax(BigDecimal.ZERO, "No sales tax", null);
        };
    }
}
