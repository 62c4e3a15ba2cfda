package io.vessel.kernel.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * How a node sends a console's terminal to another node's panel, as one streamed answer: a byte saying what
 * follows, then it. {@code 's'} and the session's id (36 characters, first and once), {@code 'o'} and a length and
 * that much of what the terminal shows, {@code 'x'} and the shell's exit status (last). An answer that ends without
 * {@code 'x'} lost its node or its connection.
 */
final class ConsoleFrames {

    static final int SESSION = 's';
    static final int OUTPUT = 'o';
    static final int EXIT = 'x';
    private static final int ID_LENGTH = 36;

    private ConsoleFrames() {
    }

    static void writeSession(DataOutputStream out, String id) throws IOException {
        byte[] bytes = id.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != ID_LENGTH) {
            throw new IllegalArgumentException("a console session id is a UUID");
        }
        out.write(SESSION);
        out.write(bytes);
        out.flush();
    }

    static String readSession(DataInputStream in) throws IOException {
        if (in.read() != SESSION) {
            throw new IOException("the node's console answer does not start with its session");
        }
        byte[] id = in.readNBytes(ID_LENGTH);
        if (id.length != ID_LENGTH) {
            throw new IOException("the node's console answer ended within its session id");
        }
        return new String(id, StandardCharsets.US_ASCII);
    }

    static void writeOutput(DataOutputStream out, byte[] data, int length) throws IOException {
        out.write(OUTPUT);
        out.writeInt(length);
        out.write(data, 0, length);
        out.flush();
    }

    static void writeExit(DataOutputStream out, int code) throws IOException {
        out.write(EXIT);
        out.writeInt(code);
        out.flush();
    }
}
