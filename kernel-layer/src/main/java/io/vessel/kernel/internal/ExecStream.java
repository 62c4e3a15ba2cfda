package io.vessel.kernel.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.kernel.api.ExecRequest;
import io.vessel.kernel.api.ExecResult;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeService;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streamed exec as {@code application/x-ndjson}: a line {@code {"stream":"stdout"|"stderr","data":"<base64>"}}
 * per chunk as the command prints it, then a last line with {@code exitCode}, {@code timedOut} and the byte counts
 * (or {@code error}). The API writes it for a VE of this node; the node channel writes the same for a panel of
 * another node, which passes it on as it comes.
 */
final class ExecStream {

    /** Thread-safe once configured. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExecStream() {
    }

    static void write(VeService ves, int veId, ExecRequest request, OutputStream out) throws IOException {
        Base64.Encoder base64 = Base64.getEncoder();
        Map<String, Object> last = new LinkedHashMap<>();
        try {
            ExecResult result = ves.exec(veId, request, (stderr, data, length) -> {
                byte[] line = JSON.writeValueAsBytes(Map.of("stream", stderr ? "stderr" : "stdout", "data", base64.encodeToString(Arrays.copyOf(data, length))));
                synchronized (out) {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                }
            });
            last.put("exitCode", result.exitCode());
            last.put("timedOut", result.timedOut());
            last.put("stdoutBytes", result.stdoutBytes());
            last.put("stderrBytes", result.stderrBytes());
        } catch (VeException e) {
            last.put("error", VesResource.capitalise(e.getMessage()) + ".");
        }
        synchronized (out) {
            out.write(JSON.writeValueAsBytes(last));
            out.write('\n');
            out.flush();
        }
    }
}
