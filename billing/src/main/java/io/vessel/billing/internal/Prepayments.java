package io.vessel.billing.internal;

import io.vessel.billing.api.Money;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Prepaid credit taxed at top-up ({@link SellerEntity#AT_TOP_UP}): each top-up is documented by a prepayment invoice
 * carrying its tax, and the balance it left is drawn from, oldest prepayment first, when it pays invoices — each such
 * allocation records the tax of its amount already invoiced, so that the invoice's tax minus that is what remains to
 * be declared (an advance-payment deduction, as on a final invoice). Shares are exact: the last draw from a
 * prepayment takes what is left of its tax, so the shares add up to the prepayment's tax to the cent. Everything runs
 * inside the caller's transaction, which holds the account's row lock.
 */
final class Prepayments {

    static final String PREPAYMENT = "PREPAYMENT";

    /** A part of a prepayment invoice taken back from the balance (a refund, a chargeback): to be credited. */
    record TakenBack(InvoiceEntity prepayment, BigDecimal amount, BigDecimal tax) {
    }

    private Prepayments() {
    }

    /** Records {@code amount} of the balance paying {@code invoice}: from unused prepayments first, then plain balance. */
    static void pay(EntityManager em, InvoiceEntity invoice, BigDecimal amount, Instant at) {
        BigDecimal left = amount;
        for (InvoiceEntity prepayment : unused(em, invoice.tenantId)) {
            if (left.signum() <= 0) {
                break;
            }
            BigDecimal take = left.min(prepayment.prepaidLeft);
            AllocationEntity allocation = new AllocationEntity(null, invoice.id, take, "BALANCE", at);
            allocation.prepaymentId = prepayment.id;
            allocation.prepaidTax = draw(prepayment, take);
            em.persist(allocation);
            left = left.subtract(take);
        }
        if (left.signum() > 0) {
            em.persist(new AllocationEntity(null, invoice.id, left, "BALANCE", at));
        }
    }

    /** Takes up to {@code amount} of what the payment's prepayment invoice still has on the balance; null when there is none. */
    static TakenBack takeBack(EntityManager em, UUID paymentId, BigDecimal amount) {
        if (amount.signum() <= 0) {
            return null;
        }
        List<InvoiceEntity> found = em.createQuery("select i from BillingInvoice i where i.paymentId = :p and i.kind = :k", InvoiceEntity.class)
                .setParameter("p", paymentId).setParameter("k", PREPAYMENT).getResultList();
        if (found.isEmpty() || found.get(0).prepaidLeft.signum() <= 0) {
            return null;
        }
        InvoiceEntity prepayment = found.get(0);
        BigDecimal take = amount.min(prepayment.prepaidLeft);
        return new TakenBack(prepayment, take, draw(prepayment, take));
    }

    /** The tax of this invoice that prepayment invoices carried already (what its balance allocations drew from them). */
    static BigDecimal taxPrepaid(EntityManager em, UUID invoiceId) {
        return em.createQuery("select coalesce(sum(a.prepaidTax), 0) from BillingAllocation a where a.invoiceId = :i", BigDecimal.class)
                .setParameter("i", invoiceId).getSingleResult();
    }

    /** {@link #taxPrepaid(EntityManager, UUID)} of every invoice that has some. */
    static Map<UUID, BigDecimal> taxPrepaid(EntityManager em) {
        Map<UUID, BigDecimal> prepaid = new HashMap<>();
        em.createQuery("select a.invoiceId, sum(a.prepaidTax) from BillingAllocation a where a.prepaymentId is not null group by a.invoiceId", Object[].class)
                .getResultList().forEach(row -> prepaid.put((UUID) row[0], (BigDecimal) row[1]));
        return prepaid;
    }

    /** Lowers the prepayment's unused part by {@code take}; answers that part's tax. */
    private static BigDecimal draw(InvoiceEntity prepayment, BigDecimal take) {
        BigDecimal tax = take.compareTo(prepayment.prepaidLeft) == 0 ? prepayment.prepaidTaxLeft
                : take.multiply(prepayment.prepaidTaxLeft).divide(prepayment.prepaidLeft, Money.currency(prepayment.currency).getDefaultFractionDigits(),
                RoundingMode.HALF_UP);
        prepayment.prepaidLeft = prepayment.prepaidLeft.subtract(take);
        prepayment.prepaidTaxLeft = prepayment.prepaidTaxLeft.subtract(tax);
        return tax;
    }

    private static List<InvoiceEntity> unused(EntityManager em, UUID tenant) {
        return em.createQuery("select i from BillingInvoice i where i.tenantId = :t and i.kind = :k and i.prepaidLeft > 0 order by i.issuedAt, i.sequence",
                InvoiceEntity.class).setParameter("t", tenant).setParameter("k", PREPAYMENT).getResultList();
    }
}
