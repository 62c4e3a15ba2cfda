package io.vessel.billing.internal;

import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * Applies money to open invoices, oldest first, inside the caller's transaction (which holds the account's row
 * lock): a payment's amount, then whatever is left to the balance; and the balance itself whenever it grows or a new
 * invoice is issued. Every application is recorded as an allocation.
 */
final class Ledger {

    private Ledger() {
    }

    /** Pays open invoices from {@code amount}; answers what is left. {@code paymentId} null: from the balance. */
    static BigDecimal payOpenInvoices(EntityManager em, AccountEntity account, BigDecimal amount, java.util.UUID paymentId, Instant at) {
        BigDecimal left = amount;
        List<InvoiceEntity> open = em.createQuery("select i from BillingInvoice i where i.tenantId = :t and i.kind = :k and i.amountPaid < i.total"
                + " order by i.issuedAt, i.sequence", InvoiceEntity.class).setParameter("t", account.tenantId).setParameter("k", BillingRun.INVOICE)
                .getResultList();
        for (InvoiceEntity invoice : open) {
            if (left.signum() <= 0) {
                break;
            }
            left = left.subtract(pay(em, invoice, left, paymentId, at));
        }
        return left;
    }

    /** Pays up to {@code amount} of one invoice; answers how much was applied. */
    static BigDecimal pay(EntityManager em, InvoiceEntity invoice, BigDecimal amount, java.util.UUID paymentId, Instant at) {
        BigDecimal applied = invoice.total.subtract(invoice.amountPaid).min(amount);
        if (applied.signum() <= 0) {
            return BigDecimal.ZERO;
        }
        invoice.amountPaid = invoice.amountPaid.add(applied);
        em.persist(new AllocationEntity(paymentId, invoice.id, applied, paymentId == null ? "BALANCE" : "PAYMENT", at));
        return applied;
    }

    /** Uses the account's balance for its open invoices. */
    static void applyBalance(EntityManager em, AccountEntity account, Instant at) {
        if (account.balance.signum() > 0) {
            account.balance = payOpenInvoices(em, account, account.balance, null, at);
        }
    }
}
