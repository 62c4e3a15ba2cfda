package io.vessel.billing.internal;

import java.time.Instant;
import java.util.List;

/**
 * The account's next document as the billing run would make it — the run's own rating, in a transaction that is
 * undone, so recurring charges, proration credits, setup fees, metered usage (with its tiers and included units),
 * plugin meters, suspension credits and tax are all there, exactly as they will be. The next document is what a run
 * now would issue if anything is due now (a new subscription's first charge, say), else what the run at the end of
 * the current period will issue: the next period in advance and this period's usage so far. Nothing is written.
 */
final class UpcomingInvoice {

    /** One line; amounts are decimal strings. */
    public record Line(String kind, String description, String subscription, String quantity, String unitPrice, String amount,
                       Instant from, Instant to) {
    }

    /**
     * @param issueAt  when it would be issued (now, or the end of the current period)
     * @param kind     {@code INVOICE} or {@code CREDIT_NOTE}; null when nothing is due by then
     * @param taxNote  a reverse-charge or exemption note, or why the tax is not known yet
     */
    public record Draft(String tenant, String currency, Instant periodStart, Instant periodEnd, Instant issueAt, String kind, List<Line> lines,
                        String subtotal, String taxRate, String taxName, String tax, String taxNote, String total) {
    }

    private UpcomingInvoice() {
    }

    static Line line(InvoiceLineEntity l, String currency) {
        return new Line(l.kind, l.description, l.subscriptionId == null ? null : l.subscriptionId.toString(), l.quantity.stripTrailingZeros().toPlainString(),
                l.unitPrice.stripTrailingZeros().toPlainString(), Amounts.of(l.amount, currency), l.periodFrom, l.periodTo);
    }
}
