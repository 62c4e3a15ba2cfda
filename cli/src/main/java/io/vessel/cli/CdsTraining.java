package io.vessel.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The build's training run for vesselctl's class-data-sharing archive ({@code -XX:ArchiveClassesAtExit}): the usual
 * commands against a stand-in panel on a Unix socket that answers every request with a small JSON list, so the
 * archive holds the classes of a whole request (picocli's model, Jetty's client, Jackson, the table and YAML
 * output), not just of the start. The panel is not needed at build time.
 */
public final class CdsTraining {

    private static final String VE = "{\"id\":101,\"name\":\"web\",\"state\":\"RUNNING\",\"template\":\"debian-12\",\"templateVersion\":1,"
            + "\"limits\":{\"cpus\":2,\"memoryBytes\":1073741824,\"diskBytes\":21474836480},\"hostname\":\"web\"}";

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vesselctl-training");
        Path socket = dir.resolve("panel.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread answering = new Thread(() -> serve(server), "training-panel");
            answering.setDaemon(true);
            answering.start();
            PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            String s = socket.toString();
            for (String[] command : new String[][] {{"ve", "list", "--socket", s}, {"ve", "show", "101", "--socket", s, "-o", "yaml"},
                    {"ve", "list", "-o", "json", "--socket", s}, {"template", "list", "-q", "--socket", s}, {"--help"}, {"ve", "--help"}}) {
                Vesselctl.execute(sink, sink, false, command);
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static void serve(ServerSocketChannel server) {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                ByteBuffer request = ByteBuffer.allocate(64 * 1024);
                while (client.read(request) > 0 && !new String(request.array(), 0, request.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                    // the whole request head: the stand-in answers them all alike
                }
                String path = new String(request.array(), 0, request.position(), StandardCharsets.US_ASCII).split(" ", 3)[1];
                String body = path.matches(".*/ves/\\d+") ? VE : "[" + VE + "]";
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                client.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                client.write(ByteBuffer.wrap(bytes));
            } catch (IOException | RuntimeException e) {
                // the run is over, or a request the stand-in did not understand: the next one
            }
        }
    }
}
