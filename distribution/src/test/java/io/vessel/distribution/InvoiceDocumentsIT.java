package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.move;
import static io.vessel.distribution.BillingApi.put;
import static io.vessel.distribution.BillingApi.run;
import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.common.filespecification.PDComplexFileSpecification;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.ValidationResult;

/**
 * Invoice documents from the assembled panel: the issuer's details and logo, the customer's legal name and address,
 * a PDF/A-3 (checked by veraPDF) whose text and Factur-X XML state what the API states; the bytes first served are
 * stored and served unchanged after the issuer's details change; CSV exports for the accountant, defused for
 * spreadsheets; hostile logos refused.
 */
class InvoiceDocumentsIT {

    @Test
    void anIssuedInvoiceIsAStoredPdfA3WithItsFacturXAndExportsListIt(@TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            assertEquals(200, put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"taxId\":\"DE999999999\",\"pricesIncludeTax\":false,"
                    + "\"rates\":[{\"country\":\"DE\",\"rate\":\"19\",\"name\":\"VAT\"}]}").status());
            // hostile or broken logos are refused, naming the field; nothing is stored
            for (String logo : List.of("data:image/png;base64,AAAA", "data:image/svg+xml;base64," + b64("<svg onload=\"alert(1)\"/>"),
                    "data:image/png;base64," + b64("GIF89a not a png"), "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[300 * 1024]))) {
                PanelProcess.Response bad = put(panel, "/api/v1/billing/invoice-settings", "{\"logo\":\"" + logo + "\"}");
                assertProblem(bad, 422, null);
                assertEquals("logo", bad.json().at("/errors/0/field").asText(), bad.body());
            }
            assertProblem(put(panel, "/api/v1/billing/invoice-settings", "{\"legalName\":\"Two\\nlines\"}"), 422, null);
            String logo = "data:image/png;base64," + Base64.getEncoder().encodeToString(png());
            PanelProcess.Response settings = put(panel, "/api/v1/billing/invoice-settings", PanelProcess.JSON.writeValueAsString(Map.of(
                    "legalName", "Vessel Hosting GmbH", "address", "Hauptstraße 1\n10115 Berlin", "email", "billing@vessel.example", "logo", logo,
                    "paymentTerms", "Payable within 14 days to IBAN DE00 1234 5678 9012 3456 78.", "footer", "Register HRB 1234 · Berlin")));
            assertEquals(200, settings.status(), settings.toString());
            assertEquals(logo, settings.json().get("logo").asText(), "the logo reads back as given");

            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps-m\",\"name\":\"VPS M\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"30.00\",\"setupFee\":\"5.00\"}"));
            String omega = customer(panel, "omega", "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"Europe/Berlin\",\"country\":\"DE\","
                    + "\"legalName\":\"Ωμέγα Ltd — Омега\",\"address\":\"Friedrichstraße 5\\n10117 Berlin\"}");
            String formula = customer(panel, "formula", "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"Europe/Berlin\",\"country\":\"DE\","
                    + "\"legalName\":\"=HYPERLINK(\\\"http://evil.example\\\")\"}");
            // the customer's owner gets its invoices by e-mail (no SMTP server here: the outbox)
            PanelProcess.createdId(panel.post("/api/v1/accounts", "{\"tenantId\":\"" + omega + "\",\"username\":\"omega-owner\",\"role\":\"customer-owner\","
                    + "\"password\":\"Omega-Password-1\",\"email\":\"owner@omega.example\"}"));
            move(panel, "2027-05-31T22:00:00Z"); // 1 June in Berlin
            for (String tenant : List.of(omega, formula)) {
                assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}").status());
            }
            assertEquals(2, run(panel).size());
            JsonNode invoice = invoice(panel, omega);
            String id = invoice.get("id").asText();

            HttpResponse<byte[]> pdf = panel.download("/api/v1/billing/invoices/" + id + "/pdf");
            assertEquals(200, pdf.statusCode(), () -> new String(pdf.body(), StandardCharsets.UTF_8) + "\n" + logTail(work));
            assertEquals("application/pdf", pdf.headers().firstValue("Content-Type").orElse(""));
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pdf.body()));
            assertEquals("\"" + sha + "\"", pdf.headers().firstValue("ETag").orElse(""), "the ETag is the document's SHA-256");
            assertTrue(pdf.headers().firstValue("Content-Disposition").orElse("").contains(invoice.get("number").asText() + ".pdf"));
            assertCompliant(pdf.body());
            try (PDDocument document = Loader.loadPDF(pdf.body())) {
                String text = new PDFTextStripper().getText(document);
                assertTrue(text.contains(invoice.get("number").asText()), text);
                assertTrue(text.contains(invoice.get("total").asText() + " EUR"), text);
                assertTrue(text.contains("Vessel Hosting GmbH") && text.contains("Hauptstraße 1") && text.contains("DE999999999"), text);
                assertTrue(text.contains("Ωμέγα Ltd — Омега") && text.contains("Friedrichstraße 5"), text);
                for (JsonNode line : invoice.get("lines")) {
                    assertTrue(text.contains(line.get("description").asText()), "line " + line + " in " + text);
                    assertTrue(text.contains(line.get("amount").asText()), "amount of " + line);
                }
                assertTrue(text.contains("Payable within 14 days"), "payment terms");
                assertTrue(document.getPage(0).getResources().getXObjectNames().iterator().hasNext(), "the logo is drawn");
                String xml = facturX(document);
                assertTrue(xml.contains("<ram:GrandTotalAmount>" + invoice.get("total").asText() + "</ram:GrandTotalAmount>"), xml);
                assertTrue(xml.contains("<ram:TaxTotalAmount currencyID=\"EUR\">" + invoice.get("tax").asText() + "</ram:TaxTotalAmount>"), xml);
                assertTrue(xml.contains("<ram:ID>" + invoice.get("number").asText() + "</ram:ID>"), xml);
            }

            // told by e-mail with the same PDF attached, once
            Path outbox = work.resolve("data/outbox");
            try {
                PanelProcess.poll(Duration.ofSeconds(90), () -> mails(outbox).size() == 1, "the invoice mailed to the customer's owner");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (" + mails(outbox).size() + " mails)\n" + logTail(work), e);
            }
            jakarta.mail.internet.MimeMessage mail = mails(outbox).get(0);
            assertEquals("owner@omega.example", mail.getAllRecipients()[0].toString());
            assertEquals("Invoice " + invoice.get("number").asText(), mail.getSubject());
            jakarta.mail.internet.MimeMultipart parts = (jakarta.mail.internet.MimeMultipart) mail.getContent();
            jakarta.mail.BodyPart attached = parts.getBodyPart(1);
            assertEquals(invoice.get("number").asText() + ".pdf", attached.getFileName());
            assertArrayEquals(pdf.body(), attached.getInputStream().readAllBytes(), "the PDF mailed is the PDF stored");
            assertTrue(((String) parts.getBodyPart(0).getContent()).contains(invoice.get("total").asText() + " EUR"));

            // served unchanged: again, after the issuer's details changed, and not at all when the client has it
            assertEquals(200, put(panel, "/api/v1/billing/invoice-settings", "{\"legalName\":\"Renamed AG\"}").status());
            assertArrayEquals(pdf.body(), panel.download("/api/v1/billing/invoices/" + id + "/pdf").body(), "an issued document never changes");
            assertEquals(304, panel.download("/api/v1/billing/invoices/" + id + "/pdf", "If-None-Match", "\"" + sha + "\"").statusCode());
            assertEquals(404, panel.download("/api/v1/billing/invoices/" + java.util.UUID.randomUUID() + "/pdf").statusCode());

            // the accountant's exports
            assertProblem(panel.get("/api/v1/billing/invoices/export?from=2027-06-01"), 422, null);
            assertProblem(panel.get("/api/v1/billing/invoices/export?from=2027-07-01&to=2027-06-01"), 422, null);
            PanelProcess.Response csv = panel.get("/api/v1/billing/invoices/export?from=2027-06-01&to=2027-07-01&timeZone=Europe/Berlin");
            assertEquals(200, csv.status(), csv.toString());
            assertTrue(csv.contentType().startsWith("text/csv"), csv.contentType());
            List<String> rows = csv.body().lines().toList();
            assertEquals(3, rows.size(), csv.body());
            assertTrue(rows.get(0).startsWith("number,kind,issued_at,due_at,customer_id,customer_name"), rows.get(0));
            String omegaRow = rows.stream().filter(r -> r.startsWith(invoice.get("number").asText() + ",")).findFirst().orElseThrow();
            assertTrue(omegaRow.contains(",Ωμέγα Ltd — Омега,DE,,EUR,35.00,19,VAT,6.65,41.65,0.00,41.65,"), omegaRow);
            assertTrue(omegaRow.endsWith("," + sha), "the PDF's digest: " + omegaRow);
            assertTrue(csv.body().contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""), "a formula is defused: " + csv.body());
            assertEquals(1, panel.get("/api/v1/billing/invoices/export?from=2027-07-01&to=2027-08-01&timeZone=Europe/Berlin").body().lines().count(), "the header only");
            assertEquals(201, panel.post("/api/v1/billing/accounts/" + omega + "/payments",
                    "{\"amount\":\"41.65\",\"method\":\"BANK_TRANSFER\",\"reference\":\"-SUM(A1)\"}").status());
            PanelProcess.Response payments = panel.get("/api/v1/billing/payments/export?from=2027-06-01&to=2027-07-01&timeZone=Europe/Berlin");
            assertEquals(200, payments.status(), payments.toString());
            List<String> paid = payments.body().lines().toList();
            assertEquals(2, paid.size(), payments.body());
            assertTrue(paid.get(1).contains(",41.65,EUR,BANK_TRANSFER,'-SUM(A1),"), paid.get(1));
        }
    }

    /** The messages in the outbox. */
    private static List<jakarta.mail.internet.MimeMessage> mails(Path outbox) {
        if (!Files.isDirectory(outbox)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> files = Files.list(outbox)) {
            // a message being written is a dot file until it is complete
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).map(f -> {
                try (java.io.InputStream in = Files.newInputStream(f)) {
                    return new jakarta.mail.internet.MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()), in);
                } catch (java.io.IOException | jakarta.mail.MessagingException e) {
                    throw new AssertionError(e);
                }
            }).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static String logTail(Path work) {
        try (java.util.stream.Stream<Path> files = Files.walk(work)) {
            return files.filter(f -> f.toString().endsWith(".log") || f.getFileName().toString().startsWith("console-")).map(f -> {
                try {
                    List<String> lines = Files.readAllLines(f).stream().filter(l -> l.contains("ERROR") || l.contains("WARN") || l.contains("Caused by") || l.contains("Exception") || l.contains("Mail") || l.contains("document")).toList();
                    return f + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
                } catch (java.io.IOException e) {
                    return "";
                }
            }).collect(Collectors.joining("\n"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String customer(PanelProcess panel, String name, String account) {
        String id = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"" + name + "\",\"kind\":\"CUSTOMER\"}"));
        PanelProcess.Response set = put(panel, "/api/v1/billing/accounts/" + id, account);
        assertEquals(200, set.status(), set.toString());
        return id;
    }

    private static JsonNode invoice(PanelProcess panel, String tenant) {
        JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
        return panel.get("/api/v1/billing/invoices/" + list.get(0).get("id").asText()).json();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A small real PNG, as a provider's logo. */
    private static byte[] png() throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(120, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(0x1f5fbf));
        g.fillRect(0, 0, 120, 40);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** veraPDF's verdict on PDF/A-3u, with the failed rules when it is not. */
    static void assertCompliant(byte[] pdf) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        try (PDFAParser parser = Foundries.defaultInstance().createParser(new ByteArrayInputStream(pdf), PDFAFlavour.PDFA_3_U)) {
            ValidationResult result = Foundries.defaultInstance().createValidator(PDFAFlavour.PDFA_3_U, false).validate(parser);
            assertTrue(result.isCompliant(), () -> "PDF/A-3u: " + result.getTestAssertions().stream()
                    .filter(a -> a.getStatus() != org.verapdf.pdfa.results.TestAssertion.Status.PASSED)
                    .map(a -> a.getRuleId().getClause() + " " + a.getMessage()).distinct().limit(20).collect(Collectors.joining("\n")));
        }
    }

    /** The Factur-X XML attached to the document. */
    static String facturX(PDDocument document) throws Exception {
        PDComplexFileSpecification spec = document.getDocumentCatalog().getNames().getEmbeddedFiles().getNames().get("factur-x.xml");
        assertTrue(spec != null, "factur-x.xml is attached");
        return new String(spec.getEmbeddedFile().toByteArray(), StandardCharsets.UTF_8);
    }
}
