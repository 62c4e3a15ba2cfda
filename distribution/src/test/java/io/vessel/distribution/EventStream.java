package io.vessel.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** An open event stream of the panel ({@code GET /api/v1/events…}), its events collected in the background. */
final class EventStream implements AutoCloseable {

    /** One server-sent event: its name and its JSON data. */
    record Received(String name, JsonNode data) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final InputStream body;

    private EventStream(InputStream body) {
        this.body = body;
        Thread reader = new Thread(this::read, "test-event-stream");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens the stream at {@code path} (e.g. {@code /api/v1/events?ve=101}) as the caller the header names. */
    static EventStream open(PanelProcess panel, String path, String header, String value) throws Exception {
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(panel.uri(path)).header(header, value).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new AssertionError("the event stream answered " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        return new EventStream(r.body());
    }

    /** Opens the stream as {@code as}. */
    static EventStream open(PanelProcess.As as, String path) throws Exception {
        return open(as.panel(), path, as.header(), as.value());
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** The first event {@code matching} that arrives within {@code timeout}. */
    Received await(Duration timeout, Predicate<Received> matching, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Received r : received) {
                if (matching.test(r)) {
                    return r;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no event: " + what + " within " + timeout + "; received " + received);
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                } else if (line.isEmpty() && data.length() > 0) {
                    received.add(new Received(name, PanelProcess.JSON.readTree(data.toString())));
                    name = "message";
                    data.setLength(0);
                }
            }
        } catch (IOException closed) {
            // the stream was closed, or the panel stopped
        }
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
