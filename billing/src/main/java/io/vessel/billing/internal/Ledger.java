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
        if (paymentId == null) {
            Prepayments.pay(em, invoice, applied, at);
        } else {
            em.persist(new AllocationEntity(paymentId, invoice.id, applied, "PAYMENT", at));
        }
        return applied;
    }

    /** Uses the account's balance for its open invoices. */
    static void applyBalance(EntityManager em, AccountEntity account, Instant at) {
        if (account.balance.signum() > 0) {
            account.balance = payOpenInvoices(em, account, account.balance, null, at);
        }
    }

    /**
     * Applies a payment just received: to the invoice named (up to what is due on it), then to open invoices oldest
     * first; the rest goes to the balance.
     */
    static void receive(EntityManager em, AccountEntity account, PaymentEntity payment, InvoiceEntity invoice, Instant at) {
        BigDecimal left = payment.amount;
        if (invoice != null) {
            left = left.subtract(pay(em, invoice, left, payment.id, at));
        }
        left = payOpenInvoices(em, account, left, payment.id, at);
        payment.toBalance = left;
        account.balance = account.balance.add(left);
    }

    /** What of a payment can still be taken back: what it left on the balance (as far as the balance holds it) and what it paid on invoices. */
    static BigDecimal reversible(EntityManager em, AccountEntity account, PaymentEntity payment) {
        BigDecimal total = payment.toBalance.min(account.balance.max(BigDecimal.ZERO));
        for (Object[] paid : paidByInvoice(em, payment)) {
            InvoiceEntity invoice = em.find(InvoiceEntity.class, paid[0]);
            total = total.add(((BigDecimal) paid[1]).min(invoice.amountPaid).max(BigDecimal.ZERO));
        }
        return total;
    }

    /** What {@link #giveBack} took from the balance, and what it could not trace to the balance or an invoice. */
    record GivenBack(BigDecimal fromBalance, BigDecimal untraced) {
    }

    /**
     * Takes {@code amount} of a payment back (a refund, a chargeback): first what it left on the balance, then what
     * it paid on invoices, newest invoice first, which are open again (and dunning sees them). Answers what could not
     * be taken back that way (the balance it left has paid invoices since), and what was taken from the balance.
     */
    static GivenBack giveBack(EntityManager em, AccountEntity account, PaymentEntity payment, BigDecimal amount, Instant at) {
        BigDecimal fromBalance = amount.min(payment.toBalance).min(account.balance.max(BigDecimal.ZERO));
        account.balance = account.balance.subtract(fromBalance);
        payment.toBalance = payment.toBalance.subtract(fromBalance);
        BigDecimal left = amount.subtract(fromBalance);
        List<Object[]> paid = paidByInvoice(em, payment);
        for (int i = paid.size() - 1; i >= 0 && left.signum() > 0; i--) {
            InvoiceEntity invoice = em.find(InvoiceEntity.class, paid.get(i)[0], jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            BigDecimal take = left.min((BigDecimal) paid.get(i)[1]).min(invoice.amountPaid);
            if (take.signum() <= 0) {
                continue;
            }
            invoice.amountPaid = invoice.amountPaid.subtract(take);
            em.persist(new AllocationEntity(payment.id, invoice.id, take.negate(), "REVERSAL", at));
            left = left.subtract(take);
        }
        return new GivenBack(fromBalance, left);
    }

    /** Per invoice the payment paid, oldest invoice first: the invoice id and what the payment still pays on it. */
    private static List<Object[]> paidByInvoice(EntityManager em, PaymentEntity payment) {
        return em.createQuery("select a.invoiceId, sum(a.amount), min(a.appliedAt) from BillingAllocation a where a.paymentId = :p group by a.invoiceId"
                + " order by min(a.appliedAt)", Object[].class).setParameter("p", payment.id).getResultList();
    }
}
