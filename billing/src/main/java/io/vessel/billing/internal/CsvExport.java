package io.vessel.billing.internal;

import io.vessel.web.api.Problem;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The accountant's exports: RFC 4180 CSV (Apache Commons CSV) with a header row, one row per document or payment
 * of a period. Free text that a spreadsheet would take for a formula ({@code =}, {@code +}, {@code -}, {@code @} first)
 * is prefixed with an apostrophe: a customer's name must not run as a formula on the accountant's machine.
 */
final class CsvExport {

    static final String MEDIA_TYPE = "text/csv; charset=utf-8";

    /** A period of whole days, {@code from} inclusive and {@code to} exclusive, in a time zone (UTC when not given). */
    record Period(Instant from, Instant to, String label) {
        static Period of(String from, String to, String timeZone) {
            List<Problem.FieldError> errors = new ArrayList<>();
            java.time.ZoneId zone = ZoneOffset.UTC;
            if (timeZone != null && !timeZone.isBlank()) {
                try {
                    zone = java.time.ZoneId.of(timeZone.strip());
                } catch (DateTimeException e) {
                    errors.add(new Problem.FieldError("timeZone", "a time zone such as Europe/Berlin"));
                }
            }
            LocalDate start = day(from, "from", errors);
            LocalDate end = day(to, "to", errors);
            if (start != null && end != null && !end.isAfter(start)) {
                errors.add(new Problem.FieldError("to", "after from"));
            }
            if (!errors.isEmpty()) {
                throw PlansResource.unprocessable("The export needs a period: from and to as dates (YYYY-MM-DD, to exclusive).", errors);
            }
            return new Period(start.atStartOfDay(zone).toInstant(), end.atStartOfDay(zone).toInstant(), start + "_" + end);
        }

        private static LocalDate day(String text, String field, List<Problem.FieldError> errors) {
            if (text == null || text.isBlank()) {
                errors.add(new Problem.FieldError(field, "required, a date such as 2026-11-01"));
                return null;
            }
            try {
                return LocalDate.parse(text.strip());
            } catch (DateTimeException e) {
                errors.add(new Problem.FieldError(field, "a date such as 2026-11-01"));
                return null;
            }
        }
    }

    private CsvExport() {
    }

    static String write(List<String> header, List<List<Object>> rows) {
        StringWriter out = new StringWriter();
        try (CSVPrinter printer = new CSVPrinter(out, CSVFormat.RFC4180.builder().setHeader(header.toArray(String[]::new)).get())) {
            for (List<Object> row : rows) {
                printer.printRecord(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Free text, defused for spreadsheets; null as an empty cell. */
    static String text(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        char first = value.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r' ? "'" + value : value;
    }

    static jakarta.ws.rs.core.Response response(String csv, String name) {
        return jakarta.ws.rs.core.Response.ok(csv, MEDIA_TYPE).header("Content-Disposition", "attachment; filename=\"" + name + ".csv\"")
                .header("Cache-Control", "private, no-store").build();
    }
}
