package io.vessel.kernel.internal.template;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Writing into a stopped VE's file system from the host. Every path component is checked not to be a symbolic
 * link and the file is opened with O_NOFOLLOW: a tenant who turned {@code /etc/hostname} into a link to a host
 * file must not get the panel (root) to overwrite it. Only for stopped VEs, where nobody can swap components
 * between check and open; running VEs are written from inside.
 */
public final class VeFiles {

    private VeFiles() {
    }

    public static void writeInStoppedVe(Path root, String relative, String content) throws IOException {
        Path current = root;
        String[] parts = relative.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            current = current.resolve(parts[i]);
            if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("/" + relative + " in the VE is not a plain file (" + current.getFileName() + " is a link or missing)");
            }
        }
        Path file = current.resolve(parts[parts.length - 1]);
        Set<OpenOption> options = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
        try (SeekableByteChannel channel = Files.newByteChannel(file, options)) {
            channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IOException("/" + relative + " in the VE cannot be written safely (is it a link?): " + e.getMessage(), e);
        }
    }
}
