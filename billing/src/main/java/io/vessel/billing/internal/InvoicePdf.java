package io.vessel.billing.internal;

import com.openhtmltopdf.outputdevice.helper.BaseRendererBuilder;
import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.mustangproject.Item;
import org.mustangproject.Product;
import org.mustangproject.TradeParty;
import org.mustangproject.ZUGFeRD.Profiles;
import org.mustangproject.ZUGFeRD.ZUGFeRDExporterFromA3;

/**
 * Renders an issued document as a PDF/A-3u with its structured invoice embedded (Factur-X / ZUGFeRD 2, profile
 * EN 16931): openhtmltopdf lays out the page from XHTML on PDFBox with Liberation Sans embedded (Latin, Greek and
 * Cyrillic; right-to-left scripts are not shaped and print left to right), Mustang writes the CII XML and attaches it
 * with the XMP metadata Factur-X asks for. Pure: the same document gives the same page; {@link InvoiceDocuments}
 * stores the first bytes and never renders a document twice.
 */
final class InvoicePdf {

    /** What rendered a stored document (kept beside it). */
    static final String RENDERER = "openhtmltopdf 1.1.31, PDFBox 3.0.8, Mustang 2.16.3, Liberation Sans 2.1";

    /** A party as the document names it. */
    record Party(String name, String address, String country, String taxId, String email) {
    }

    /** One line: amounts as issued (a credit note's negative). */
    record Line(String description, BigDecimal quantity, BigDecimal unitPrice, BigDecimal amount, Instant from, Instant to) {
    }

    /** Everything a document prints; {@code kind} as the invoice's ({@code INVOICE}, {@code CREDIT_NOTE}, {@code PREPAYMENT}). */
    record Document(String kind, String number, String currency, Instant issuedAt, Instant dueAt, ZoneId zone, Party issuer, Party customer,
                    List<Line> lines, BigDecimal subtotal, BigDecimal taxRate, String taxName, BigDecimal tax, String taxNote, BigDecimal total,
                    boolean pricesIncludeTax, String credits, byte[] logo, String logoType, String paymentTerms, String footer) {
    }

    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_LOCAL_DATE;

    static {
        // openhtmltopdf logs every page at INFO through java.util.logging ("Prepare to fly"): only its warnings matter
        com.openhtmltopdf.util.XRLog.listRegisteredLoggers().forEach(l -> com.openhtmltopdf.util.XRLog.setLevel(l, java.util.logging.Level.WARNING));
    }

    private InvoicePdf() {
    }

    static byte[] render(Document d) {
        byte[] page = page(d);
        try (ZUGFeRDExporterFromA3 exporter = new ZUGFeRDExporterFromA3()) {
            // Mustang's own PDF/A check needs PDFBox preflight, left out; veraPDF checks the result in the tests
            exporter.ignorePDFAErrors().setProducer("Vessel").setCreator(d.issuer().name()).setZUGFeRDVersion(2)
                    .setProfile(Profiles.getByName("EN16931"));
            exporter.load(page);
            exporter.setTransaction(transaction(d));
            ByteArrayOutputStream out = new ByteArrayOutputStream(page.length + 16384);
            exporter.export(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The visible page: PDF/A-3u, fonts embedded (subsets), sRGB output intent. The fonts are parsed once and their
     * metrics cached across documents (parsing two 400 kB TrueType files took most of a render); one document is laid
     * out at a time, as the parsed fonts are shared.
     */
    static byte[] page(Document d) {
        synchronized (FONTS) {
            PdfRendererBuilder builder = new PdfRendererBuilder();
            builder.useFastMode();
            builder.usePdfAConformance(PdfRendererBuilder.PdfAConformance.PDFA_3_U);
            builder.useColorProfile(SRGB);
            builder.useCacheStore(PdfRendererBuilder.CacheStore.PDF_FONT_METRICS, FONT_METRICS);
            org.apache.pdfbox.pdmodel.PDDocument document = new org.apache.pdfbox.pdmodel.PDDocument();
            builder.usePDDocument(document);
            try {
                builder.useFont(new com.openhtmltopdf.pdfboxout.PDFontSupplier(org.apache.pdfbox.pdmodel.font.PDType0Font.load(document,
                        FONTS.get("LiberationSans-Regular.ttf"), true)), "Liberation Sans", 400, BaseRendererBuilder.FontStyle.NORMAL, true);
                builder.useFont(new com.openhtmltopdf.pdfboxout.PDFontSupplier(org.apache.pdfbox.pdmodel.font.PDType0Font.load(document,
                        FONTS.get("LiberationSans-Bold.ttf"), true)), "Liberation Sans", 700, BaseRendererBuilder.FontStyle.NORMAL, true);
                builder.withHtmlContent(html(d), null);
                builder.withProducer("Vessel");
                ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
                builder.toStream(out);
                builder.run();
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                try {
                    document.close();
                } catch (IOException ignored) {
                    // in memory
                }
            }
        }
    }

    private static final byte[] SRGB = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_sRGB).getData();
    private static final com.openhtmltopdf.extend.FSCacheEx<String, com.openhtmltopdf.extend.FSCacheValue> FONT_METRICS =
            new com.openhtmltopdf.extend.impl.FSDefaultCacheStore();
    private static final Fonts FONTS = new Fonts();

    /** The bundled faces, parsed on first use and kept. */
    private static final class Fonts {
        private final java.util.Map<String, org.apache.fontbox.ttf.TrueTypeFont> parsed = new java.util.HashMap<>();

        org.apache.fontbox.ttf.TrueTypeFont get(String file) throws IOException {
            org.apache.fontbox.ttf.TrueTypeFont font = parsed.get(file);
            if (font == null) {
                try (InputStream in = InvoicePdf.class.getClassLoader().getResourceAsStream("liberation/" + file)) {
                    if (in == null) {
                        throw new IllegalStateException("font " + file + " is missing from the billing bundle");
                    }
                    font = new org.apache.fontbox.ttf.TTFParser().parse(new org.apache.pdfbox.io.RandomAccessReadBuffer(in.readAllBytes()));
                }
                // Without its glyph substitution table: PDFBox applies GSUB to every string it draws with a font that
                // has one, compiling regular expressions each time (most of a render). Latin, Greek and Cyrillic need
                // no substitution; the scripts that do (Arabic, Indic) are not supported by these documents anyway.
                font.getTableMap().remove("GSUB");
                parsed.put(file, font);
            }
            return font;
        }
    }

    static String title(String kind) {
        return switch (kind) {
            case BillingRun.CREDIT_NOTE -> "Credit note";
            case "PREPAYMENT" -> "Prepayment invoice";
            default -> "Invoice";
        };
    }

    static String html(Document d) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>")
                .append("<title>").append(esc(title(d.kind()) + " " + d.number())).append("</title>")
                .append("<meta name=\"subject\" content=\"").append(esc(title(d.kind()) + " " + d.number() + " of " + d.issuer().name())).append("\"/>")
                .append("<meta name=\"author\" content=\"").append(esc(d.issuer().name())).append("\"/>")
                .append("<style>").append(CSS).append("@page { @bottom-left { font-family: 'Liberation Sans'; font-size: 7.5pt; color: #555; content: \"")
                .append(css(footerLine(d))).append("\"; } }</style></head><body>");
        h.append("<table class=\"head\"><tr><td class=\"issuer\">");
        if (d.logo() != null) {
            h.append("<img class=\"logo\" alt=\"").append(esc(d.issuer().name())).append("\" src=\"data:").append(d.logoType()).append(";base64,")
                    .append(java.util.Base64.getEncoder().encodeToString(d.logo())).append("\"/><br/>");
        }
        party(h, d.issuer(), true);
        h.append("</td><td class=\"meta\"><h1>").append(esc(title(d.kind()))).append("</h1><table>");
        meta(h, "Number", d.number());
        meta(h, "Date", DATE.format(d.issuedAt().atZone(d.zone())));
        if (d.dueAt() != null && !BillingRun.CREDIT_NOTE.equals(d.kind())) {
            meta(h, "Due", DATE.format(d.dueAt().atZone(d.zone())));
        }
        if (d.credits() != null) {
            meta(h, "Credits invoice", d.credits());
        }
        meta(h, "Currency", d.currency());
        h.append("</table></td></tr></table>");
        h.append("<div class=\"to\"><div class=\"label\">Bill to</div>");
        party(h, d.customer(), false);
        h.append("</div>");
        h.append("<table class=\"lines\"><thead><tr><th>#</th><th>Description</th><th class=\"n\">Quantity</th><th class=\"n\">Unit price</th>")
                .append("<th class=\"n\">Amount</th></tr></thead><tbody>");
        int position = 1;
        for (Line l : d.lines()) {
            h.append("<tr><td>").append(position++).append("</td><td>").append(esc(l.description()));
            if (l.from() != null && l.to() != null) {
                h.append("<div class=\"period\">").append(DATE.format(l.from().atZone(d.zone()))).append(" – ")
                        .append(DATE.format(l.to().atZone(d.zone()))).append("</div>");
            }
            h.append("</td><td class=\"n\">").append(l.quantity().stripTrailingZeros().toPlainString()).append("</td><td class=\"n\">")
                    .append(l.unitPrice().stripTrailingZeros().toPlainString()).append("</td><td class=\"n\">").append(Amounts.of(l.amount(), d.currency()))
                    .append("</td></tr>");
        }
        h.append("</tbody></table><table class=\"totals\">");
        total(h, d.pricesIncludeTax() ? "Net" : "Subtotal", Amounts.of(d.subtotal(), d.currency()), d.currency(), false);
        String rate = d.taxRate() == null ? "" : " " + d.taxRate().stripTrailingZeros().toPlainString() + " %";
        total(h, (d.taxName() == null ? "Tax" : d.taxName()) + rate, Amounts.of(d.tax(), d.currency()), d.currency(), false);
        total(h, "Total", Amounts.of(d.total(), d.currency()), d.currency(), true);
        h.append("</table>");
        if (d.taxNote() != null) {
            h.append("<p class=\"note\">").append(esc(d.taxNote())).append("</p>");
        }
        if (d.pricesIncludeTax()) {
            h.append("<p class=\"note\">Prices include tax.</p>");
        }
        if (d.paymentTerms() != null && !BillingRun.CREDIT_NOTE.equals(d.kind())) {
            h.append("<div class=\"terms\"><div class=\"label\">Payment terms</div>").append(lines(d.paymentTerms())).append("</div>");
        }
        if (d.footer() != null) {
            h.append("<div class=\"footer\">").append(lines(d.footer())).append("</div>");
        }
        h.append("<p class=\"einvoice\">This PDF carries the invoice as structured data (Factur-X / ZUGFeRD, EN 16931).</p>");
        return h.append("</body></html>").toString();
    }

    private static final String CSS = """
            @page { size: A4; margin: 16mm 16mm 20mm 16mm; font-family: 'Liberation Sans';
              @bottom-right { content: "Page " counter(page) " of " counter(pages); font-family: 'Liberation Sans'; font-size: 7.5pt; color: #555; }
              @bottom-left { font-family: 'Liberation Sans'; font-size: 7.5pt; color: #555; } }
            * { font-family: 'Liberation Sans'; }
            body { font-size: 9.5pt; color: #1d1d1f; line-height: 1.35; }
            table { border-collapse: collapse; }
            .head { width: 100%; margin-bottom: 10mm; }
            .head td { vertical-align: top; }
            .issuer { width: 55%; }
            .logo { max-height: 18mm; max-width: 60mm; margin-bottom: 3mm; }
            .meta { text-align: right; }
            .meta table { margin-left: auto; }
            .meta td { padding: 0.5mm 0 0.5mm 4mm; }
            h1 { font-size: 18pt; margin: 0 0 3mm 0; font-weight: 700; }
            .name { font-weight: 700; }
            .label { font-size: 8pt; text-transform: uppercase; color: #555; margin-bottom: 1mm; }
            .to { margin-bottom: 8mm; }
            .lines { width: 100%; -fs-table-paginate: paginate; }
            .lines th { text-align: left; border-bottom: 0.6pt solid #1d1d1f; padding: 1.5mm 2mm; font-size: 8pt; }
            .lines td { border-bottom: 0.3pt solid #c8c8cc; padding: 1.5mm 2mm; vertical-align: top; }
            .lines tr { page-break-inside: avoid; }
            .n { text-align: right; white-space: nowrap; }
            .period { font-size: 8pt; color: #555; }
            .totals { margin: 4mm 0 0 auto; page-break-inside: avoid; }
            .totals td { padding: 1mm 2mm; }
            .totals .grand td { font-weight: 700; border-top: 0.6pt solid #1d1d1f; font-size: 11pt; }
            .note { font-size: 8.5pt; }
            .terms { margin-top: 6mm; page-break-inside: avoid; }
            .footer { margin-top: 8mm; font-size: 8pt; color: #555; }
            .einvoice { margin-top: 4mm; font-size: 7pt; color: #777; }
            """;

    private static void party(StringBuilder h, Party p, boolean issuer) {
        h.append("<div class=\"name\">").append(esc(p.name())).append("</div>");
        if (p.address() != null) {
            h.append(lines(p.address())).append("<br/>");
        }
        if (p.country() != null) {
            h.append(esc(country(p.country()))).append("<br/>");
        }
        if (p.taxId() != null) {
            h.append(issuer ? "Tax id " : "Tax id ").append(esc(p.taxId())).append("<br/>");
        }
        if (p.email() != null) {
            h.append(esc(p.email())).append("<br/>");
        }
    }

    private static String country(String code) {
        String name = new java.util.Locale("", code).getDisplayCountry(java.util.Locale.ENGLISH);
        return name.isEmpty() ? code : name;
    }

    private static void meta(StringBuilder h, String label, String value) {
        h.append("<tr><td class=\"label\">").append(esc(label)).append("</td><td>").append(esc(value)).append("</td></tr>");
    }

    private static void total(StringBuilder h, String label, String amount, String currency, boolean grand) {
        h.append(grand ? "<tr class=\"grand\">" : "<tr>").append("<td>").append(esc(label)).append("</td><td class=\"n\">").append(amount)
                .append(' ').append(esc(currency)).append("</td></tr>");
    }

    private static String footerLine(Document d) {
        return d.issuer().name() + " · " + title(d.kind()) + " " + d.number();
    }

    private static String lines(String text) {
        return String.join("<br/>", text.lines().map(InvoicePdf::esc).toList());
    }

    /** Text in XHTML; characters XML 1.0 cannot carry are dropped (the inputs refuse them already). */
    static String esc(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(c -> {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.toString();
    }

    /** A string inside a CSS string literal. */
    private static String css(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\' || c < 0x20 || c == '<' || c == '>' || c == '&') {
                out.append('\\').append(Integer.toHexString(c)).append(' ');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /**
     * The structured invoice. Amounts are net (EN 16931 lines are); a credit note (type 381) states its amounts as
     * positive figures. Prices that include tax are split into net per line in proportion, the last line taking what
     * rounding leaves. Where the tax a document carries differs by a rounding from the net × rate EN 16931 computes,
     * the difference is the rounding amount (BT-114), so the amount due is the document's total.
     */
    static org.mustangproject.Invoice transaction(Document d) {
        boolean credit = BillingRun.CREDIT_NOTE.equals(d.kind());
        BigDecimal sign = credit ? BigDecimal.ONE.negate() : BigDecimal.ONE;
        int scale = java.util.Currency.getInstance(d.currency()).getDefaultFractionDigits();
        BigDecimal rate = d.taxRate() == null ? BigDecimal.ZERO : d.taxRate();
        BigDecimal netTotal = d.subtotal().multiply(sign);
        BigDecimal gross = d.lines().stream().map(Line::amount).reduce(BigDecimal.ZERO, BigDecimal::add).multiply(sign);
        org.mustangproject.Invoice invoice = new org.mustangproject.Invoice().setNumber(d.number()).setCurrency(d.currency())
                .setIssueDate(Date.from(d.issuedAt())).setDeliveryDate(Date.from(d.issuedAt()))
                .setSender(party(d.issuer())).setRecipient(party(d.customer()));
        if (d.dueAt() != null && !credit) {
            invoice.setDueDate(Date.from(d.dueAt()));
        }
        if (credit) {
            invoice.setCreditNote();
            if (d.credits() != null) {
                invoice.setInvoiceReferencedDocumentID(d.credits());
            }
        } else if ("PREPAYMENT".equals(d.kind())) {
            invoice.setDocumentCode("386");
        }
        if (d.paymentTerms() != null && !credit) {
            invoice.setPaymentTermDescription(d.paymentTerms());
        }
        List<Line> lines = d.lines();
        BigDecimal allotted = BigDecimal.ZERO;
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            BigDecimal amount = l.amount().multiply(sign);
            BigDecimal net;
            if (!d.pricesIncludeTax() || gross.signum() == 0) {
                net = amount.setScale(scale, RoundingMode.HALF_UP);
            } else if (i == lines.size() - 1) {
                net = netTotal.subtract(allotted);
            } else {
                net = amount.multiply(netTotal).divide(gross, scale, RoundingMode.HALF_UP);
            }
            allotted = allotted.add(net);
            BigDecimal quantity = l.quantity().signum() == 0 ? BigDecimal.ONE : l.quantity().abs();
            BigDecimal unitNet = net.divide(quantity, 6, RoundingMode.HALF_UP).stripTrailingZeros();
            Product product = new Product(l.description(), "", "C62", rate);
            taxCategory(product, d);
            items.add(new Item(product, unitNet, quantity).setLineTotalAmount(net));
        }
        items.forEach(invoice::addItem);
        BigDecimal computedTax = allotted.multiply(rate).movePointLeft(2).setScale(scale, RoundingMode.HALF_UP);
        BigDecimal rounding = d.total().multiply(sign).subtract(allotted.add(computedTax));
        if (rounding.signum() != 0) {
            invoice.setRoundingAmount(rounding);
        }
        if (d.taxNote() != null) {
            invoice.addNote(d.taxNote());
        }
        return invoice;
    }

    /** EN 16931's VAT category: standard rated, reverse charge, or exempt (with the document's note as the reason). */
    private static void taxCategory(Product product, Document d) {
        if (d.taxRate() != null && d.taxRate().signum() > 0) {
            return; // "S", Mustang's default
        }
        if (d.taxNote() != null && d.taxNote().startsWith("Reverse charge")) {
            product.setReverseCharge();
            product.setTaxExemptionReason(d.taxNote());
        } else {
            product.setTaxCategoryCode("E");
            product.setTaxExemptionReason(d.taxNote() != null ? d.taxNote() : "VAT not charged");
        }
    }

    private static TradeParty party(Party p) {
        List<String> address = p.address() == null ? List.of() : p.address().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        String street = address.isEmpty() ? "" : address.get(0);
        String location = address.size() < 2 ? "" : String.join(", ", address.subList(1, address.size()));
        TradeParty party = new TradeParty(p.name(), street, "", location, p.country() == null ? "" : p.country());
        if (p.taxId() != null) {
            party.addVATID(p.taxId());
        }
        if (p.email() != null) {
            party.setEmail(p.email());
        }
        return party;
    }
}
