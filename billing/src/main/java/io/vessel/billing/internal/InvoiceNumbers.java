package io.vessel.billing.internal;

import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gapless document numbers: one series per issuer (the provider, each reseller), per kind (invoices, credit notes)
 * and, when numbering restarts yearly, per year. The series row is locked ({@code FOR UPDATE}) by the transaction
 * that writes the document, so a number is used exactly when its document commits: a crash or a rollback gives it
 * back, and concurrent runs wait for each other. Plain SQL, the same on H2 and PostgreSQL.
 */
final class InvoiceNumbers {

    private static final Pattern NUMBER = Pattern.compile("\\{NUMBER(?::(\\d{1,2}))?}");

    private InvoiceNumbers() {
    }

    /** The next number of the series, taken inside the caller's transaction. */
    static long next(EntityManager em, UUID issuer, String kind, int year) {
        return next(em, issuer, kind, year, 1);
    }

    /** The first of the next {@code count} numbers of the series, taken inside the caller's transaction. */
    static long next(EntityManager em, UUID issuer, String kind, int year, int count) {
        @SuppressWarnings("unchecked")
        List<Object> current = em.createNativeQuery("SELECT next_value FROM billing_number_series WHERE issuer_tenant = ?1 AND kind = ?2"
                + " AND series_year = ?3 FOR UPDATE").setParameter(1, issuer).setParameter(2, kind).setParameter(3, year).getResultList();
        if (current.isEmpty()) {
            // a new series; a run that inserts it at the same moment makes one of the two transactions fail, and it is retried
            em.createNativeQuery("INSERT INTO billing_number_series (issuer_tenant, kind, series_year, next_value) VALUES (?1, ?2, ?3, ?4)")
                    .setParameter(1, issuer).setParameter(2, kind).setParameter(3, year).setParameter(4, 1L + count).executeUpdate();
            return 1;
        }
        long value = ((Number) current.get(0)).longValue();
        em.createNativeQuery("UPDATE billing_number_series SET next_value = ?4 WHERE issuer_tenant = ?1 AND kind = ?2 AND series_year = ?3")
                .setParameter(1, issuer).setParameter(2, kind).setParameter(3, year).setParameter(4, value + count).executeUpdate();
        return value;
    }

    /** {@code {YYYY}-{NUMBER:6}} with 2027 and 42 → {@code 2027-000042}. */
    static String format(String format, int year, long sequence) {
        Matcher m = NUMBER.matcher(format.replace("{YYYY}", String.valueOf(year)));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int width = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
            String digits = String.valueOf(sequence);
            m.appendReplacement(out, "0".repeat(Math.max(0, width - digits.length())) + digits);
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A format must contain the sequence, or numbers would repeat. */
    static void check(String format) {
        if (format == null || !NUMBER.matcher(format).find() || format.length() > 40) {
            throw new IllegalArgumentException("billing: a number format needs {NUMBER} (or {NUMBER:6}) and at most 40 characters, not '"
                    + format + "'");
        }
    }
}
