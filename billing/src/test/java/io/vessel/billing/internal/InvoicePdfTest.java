package io.vessel.billing.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentNameDictionary;
import org.apache.pdfbox.pdmodel.PDEmbeddedFilesNameTreeNode;
import org.apache.pdfbox.pdmodel.common.filespecification.PDComplexFileSpecification;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.ValidationResult;

/** Invoice documents are valid PDF/A-3 (veraPDF), print what was issued, and carry the same figures as Factur-X XML. */
class InvoicePdfTest {

    @BeforeAll
    static void veraPdf() {
        VeraGreenfieldFoundryProvider.initialise();
    }

    static InvoicePdf.Document invoice(int lineCount, boolean gross) {
        List<InvoicePdf.Line> lines = new ArrayList<>();
        BigDecimal sum = BigDecimal.ZERO;
        Instant from = Instant.parse("2026-11-01T00:00:00Z");
        Instant to = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 1; i <= lineCount; i++) {
            BigDecimal amount = new BigDecimal("3.37").multiply(BigDecimal.valueOf(i));
            String description = switch (i % 3) {
                case 0 -> "Ελληνικά: εικονικό περιβάλλον " + i;
                case 1 -> "Кириллица: виртуальная среда " + i;
                default -> "VE web-" + i + " — plan \"Pro\" <monthly> & more";
            };
            lines.add(new InvoicePdf.Line(description, BigDecimal.valueOf(i), new BigDecimal("3.37"), amount, from, to));
            sum = sum.add(amount);
        }
        BigDecimal rate = new BigDecimal("19");
        BigDecimal subtotal;
        BigDecimal tax;
        BigDecimal total;
        if (gross) {
            total = sum;
            subtotal = sum.divide(new BigDecimal("1.19"), 2, java.math.RoundingMode.HALF_UP);
            tax = total.subtract(subtotal);
        } else {
            subtotal = sum;
            tax = sum.multiply(new BigDecimal("0.19")).setScale(2, java.math.RoundingMode.HALF_UP);
            total = subtotal.add(tax);
        }
        InvoicePdf.Party issuer = new InvoicePdf.Party("Hosting Provider GmbH", "Hauptstraße 1\n10115 Berlin", "DE", "DE123456789", "billing@example.com");
        InvoicePdf.Party customer = new InvoicePdf.Party("Ωμέγα Ltd", "Οδός Αθηνάς 5\nΑθήνα", "GR", null, null);
        return new InvoicePdf.Document("INVOICE", "INV-2026-000042", "EUR", Instant.parse("2026-12-01T00:07:00Z"), Instant.parse("2026-12-15T00:07:00Z"),
                ZoneId.of("Europe/Berlin"), issuer, customer, lines, subtotal, rate, "VAT", tax, null, total, gross, null, null, null,
                "Payable within 14 days to IBAN DE00 1234 5678 9012 3456 78.", "Hosting Provider GmbH · Register HRB 1234 · Managing director: A. Person");
    }

    @Test
    void aFiftyLineInvoiceIsValidPdfA3WithTheIssuedFiguresInTextAndXml() throws Exception {
        InvoicePdf.Document d = invoice(50, false);
        byte[] pdf = InvoicePdf.render(d);

        assertCompliant(pdf);
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(doc);
            assertTrue(text.contains("INV-2026-000042"), text);
            assertTrue(text.contains(Amounts.of(d.total(), "EUR") + " EUR"), "the total is printed");
            assertTrue(text.contains("Кириллица: виртуальная среда 49"), "Cyrillic is printed as itself");
            assertTrue(text.contains("Ελληνικά: εικονικό περιβάλλον 48"), "Greek is printed as itself");
            assertTrue(text.contains("plan \"Pro\" <monthly> & more"), "markup in a description is text");
            assertTrue(doc.getNumberOfPages() >= 2, "fifty lines take more than a page");
            String xml = facturX(doc);
            assertTrue(xml.contains("<ram:GrandTotalAmount>" + Amounts.of(d.total(), "EUR") + "</ram:GrandTotalAmount>"), xml);
            assertTrue(xml.contains("<ram:TaxBasisTotalAmount>" + Amounts.of(d.subtotal(), "EUR") + "</ram:TaxBasisTotalAmount>"), xml);
            assertTrue(xml.contains("<ram:DuePayableAmount>" + Amounts.of(d.total(), "EUR") + "</ram:DuePayableAmount>"), xml);
            assertEquals(50, xml.split("<ram:IncludedSupplyChainTradeLineItem>").length - 1);
            assertTrue(xml.contains("urn:cen.eu:en16931:2017"), "the EN 16931 profile");
        }
    }

    @Test
    void pricesIncludingTaxAreSplitIntoNetLinesThatAddUpToTheDocument() throws Exception {
        InvoicePdf.Document d = invoice(7, true);
        byte[] pdf = InvoicePdf.render(d);
        assertCompliant(pdf);
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String xml = facturX(doc);
            assertTrue(xml.contains("<ram:TaxBasisTotalAmount>" + Amounts.of(d.subtotal(), "EUR") + "</ram:TaxBasisTotalAmount>"), xml);
            assertTrue(xml.contains("<ram:DuePayableAmount>" + Amounts.of(d.total(), "EUR") + "</ram:DuePayableAmount>"), xml);
        }
    }

    @Test
    void aCreditNoteStatesPositiveFiguresAndTheInvoiceItCredits() throws Exception {
        InvoicePdf.Document i = invoice(2, false);
        List<InvoicePdf.Line> negative = i.lines().stream()
                .map(l -> new InvoicePdf.Line(l.description(), l.quantity(), l.unitPrice(), l.amount().negate(), l.from(), l.to())).toList();
        InvoicePdf.Document note = new InvoicePdf.Document(BillingRun.CREDIT_NOTE, "CN-2026-000003", "EUR", i.issuedAt(), null, i.zone(), i.issuer(),
                i.customer(), negative, i.subtotal().negate(), i.taxRate(), i.taxName(), i.tax().negate(), null, i.total().negate(), false,
                "INV-2026-000042", null, null, null, null);
        byte[] pdf = InvoicePdf.render(note);
        assertCompliant(pdf);
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            assertTrue(new PDFTextStripper().getText(doc).contains("Credit note"));
            String xml = facturX(doc);
            assertTrue(xml.contains("<ram:TypeCode>381</ram:TypeCode>"), xml);
            assertTrue(xml.contains("<ram:GrandTotalAmount>" + Amounts.of(i.total(), "EUR") + "</ram:GrandTotalAmount>"), xml);
            assertTrue(xml.contains("INV-2026-000042"), "names the invoice it credits");
        }
    }

    @Test
    void theSameDocumentRendersTheSamePage() {
        InvoicePdf.Document d = invoice(3, false);
        assertEquals(InvoicePdf.html(d), InvoicePdf.html(d));
        assertArrayEquals(InvoicePdf.html(d).getBytes(StandardCharsets.UTF_8), InvoicePdf.html(invoice(3, false)).getBytes(StandardCharsets.UTF_8));
    }

    static void assertCompliant(byte[] pdf) throws Exception {
        try (PDFAParser parser = Foundries.defaultInstance().createParser(new ByteArrayInputStream(pdf), PDFAFlavour.PDFA_3_U)) {
            PDFAValidator validator = Foundries.defaultInstance().createValidator(PDFAFlavour.PDFA_3_U, false);
            ValidationResult result = validator.validate(parser);
            assertTrue(result.isCompliant(), () -> "PDF/A-3u: " + result.getTestAssertions().stream()
                    .filter(a -> a.getStatus() != org.verapdf.pdfa.results.TestAssertion.Status.PASSED)
                    .map(a -> a.getRuleId().getClause() + "-" + a.getRuleId().getTestNumber() + " " + a.getMessage()).distinct().limit(20)
                    .collect(Collectors.joining("\n")));
        }
    }

    /** The embedded factur-x.xml. */
    static String facturX(PDDocument doc) throws Exception {
        PDDocumentNameDictionary names = doc.getDocumentCatalog().getNames();
        PDEmbeddedFilesNameTreeNode files = names.getEmbeddedFiles();
        PDComplexFileSpecification spec = files.getNames().get("factur-x.xml");
        assertTrue(spec != null, "factur-x.xml is attached: " + files.getNames().keySet());
        return new String(spec.getEmbeddedFile().toByteArray(), StandardCharsets.UTF_8);
    }
}
