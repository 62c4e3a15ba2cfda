package io.vessel.plugins.internal;

import io.vessel.web.api.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.fileupload.MultipartStream;

/**
 * The jar of a {@code multipart/form-data} upload (a browser form, {@code curl -F jar=@plugin.jar}): the first part
 * that carries a file, parsed with Commons FileUpload's {@link MultipartStream}. The installer receives it as it
 * receives a raw body (same size limit, same temporary file).
 */
final class MultipartUpload {

    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(?:\"([^\"]+)\"|([^;\\s]+))");

    private MultipartUpload() {
    }

    /** The upload whose bytes are the first file part of {@code body}. */
    static PluginInstaller.Upload firstFile(InputStream body, String contentType) {
        return out -> firstFile(body, contentType, out);
    }

    private static void firstFile(InputStream body, String contentType, OutputStream out) throws IOException {
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
                parts.readBodyData(out);
                return;
            }
        } catch (MultipartStream.MalformedStreamException e) {
            throw invalid("The multipart upload is malformed: " + e.getMessage() + ".");
        }
        throw invalid("The multipart upload holds no file: send the jar as a file part (curl -F jar=@plugin.jar).");
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(422, "unprocessable", "Unprocessable request", detail);
    }
}
