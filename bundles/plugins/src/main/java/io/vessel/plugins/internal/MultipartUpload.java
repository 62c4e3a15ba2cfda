package io.vessel.plugins.internal;

import io.vessel.web.api.ProblemException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.fileupload.MultipartStream;

/**
 * The jar of a {@code multipart/form-data} upload (a browser form, {@code curl -F jar=@plugin.jar}): the first part
 * that carries a file, parsed with Commons FileUpload's {@link MultipartStream} and kept in a temporary file, at
 * most {@code maxBytes} of it.
 */
final class MultipartUpload {

    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(?:\"([^\"]+)\"|([^;\\s]+))");

    private MultipartUpload() {
    }

    /** Writes the first file part of {@code body} to {@code target}. */
    static void firstFile(InputStream body, String contentType, Path target, long maxBytes) throws IOException {
        Matcher m = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!m.find()) {
            throw invalid("A multipart upload needs a boundary in its Content-Type.");
        }
        byte[] boundary = (m.group(1) != null ? m.group(1) : m.group(2)).getBytes(StandardCharsets.ISO_8859_1);
        try (InputStream in = body) {
            MultipartStream parts = new MultipartStream(in, boundary, 65536, null);
            for (boolean more = parts.skipPreamble(); more; more = parts.readBoundary()) {
                String headers = parts.readHeaders().toLowerCase(Locale.ROOT);
                if (!headers.contains("filename=")) {
                    parts.discardBodyData();
                    continue;
                }
                try (OutputStream out = new Limited(Files.newOutputStream(target), maxBytes)) {
                    parts.readBodyData(out);
                }
                return;
            }
        } catch (MultipartStream.MalformedStreamException e) {
            throw invalid("The multipart upload is malformed: " + e.getMessage() + ".");
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        throw invalid("The multipart upload holds no file: send the jar as a file part (curl -F jar=@plugin.jar).");
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(422, "unprocessable", "Unprocessable request", detail);
    }

    /** Refuses to write more than the limit (plugins.max.size). */
    private static final class Limited extends FilterOutputStream {
        private final long max;
        private long written;

        Limited(OutputStream out, long max) {
            super(out);
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(int n) {
            written += n;
            if (written > max) {
                throw new ProblemException(413, "too-large", "Too large", "A plugin may be at most " + max / (1024 * 1024) + " MiB (plugins.max.size).");
            }
        }
    }
}
