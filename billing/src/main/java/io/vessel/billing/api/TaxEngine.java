package io.vessel.billing.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.UUID;

/**
 * Decides the tax of a billing document instead of the seller's own rates — for a tax service (Avalara, TaxJar,
 * Vertex, a national e-invoicing service) or rules the built-in rates cannot say. Added by a plugin as an OSGi
 * service with {@link #ID}; a seller chooses it in its tax settings ({@code "engine": "<id>"}), and every document
 * of that seller's billing runs is then taxed as it says. Vessel still computes the amount: once on the document's
 * total at the rate decided (EN 16931), rounded half-up to the currency's minor unit, the net taken out of the total
 * when the seller's prices include tax.
 *
 * <p>The panel calls an engine on the plugin's own threads with a time limit, inside the billing run's transaction.
 * An engine that fails, overruns or is not installed fails closed: that account's document is not issued in this run
 * (it is billed by the next run, nothing lost), the others are; a document is never issued with a guessed tax.
 */
public interface TaxEngine {

    /** Service property: the engine's id, as sellers name it, e.g. {@code avalara} (lower-case letters, digits, '-'). */
    String ID = "vessel.tax.engine";

    /**
     * The tax of a document.
     *
     * @throws RuntimeException when it cannot be decided now (the document waits for the next run)
     */
    Tax decide(Request request);

    /** Where a party is established, and its tax id (null when it has none, e.g. a consumer). */
    record Party(UUID tenant, String country, String region, String taxId) {
    }

    /** A line of the document before tax; {@code amount} is rounded to the currency's minor unit. */
    record Line(String kind, String description, BigDecimal amount) {
    }

    /**
     * @param pricesIncludeTax whether the lines' amounts include tax (the seller's setting)
     * @param kind             {@code INVOICE} or {@code CREDIT_NOTE}
     */
    record Request(Party seller, Party customer, Currency currency, boolean pricesIncludeTax, String kind, Instant issuedAt, List<Line> lines) {
    }

    /**
     * @param ratePercent the rate in percent, 0 to 100 with at most 4 decimals; null or 0: no tax
     * @param name        how the document names the tax, e.g. "Sales tax NY 8.875%" (at most 100 characters)
     * @param note        said on the document, e.g. a reverse-charge or exemption note (at most 500 characters; may be null)
     */
    record Tax(BigDecimal ratePercent, String name, String note) {
    }
}
