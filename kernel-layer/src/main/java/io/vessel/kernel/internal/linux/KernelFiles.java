package io.vessel.kernel.internal.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads small kernel files (cgroup counters, {@code /sys/class/net/…/statistics}) again and again through descriptors
 * kept open, each read one {@code pread} at offset 0, which makes the kernel generate the file's text anew. The
 * accounting sweep reads about seven such files per running VE every ten seconds; opening each by path (a path walk,
 * a {@code seq_file} made and freed, five system calls through NIO) took most of the sweep's file time — measured with
 * 1,000 cgroups × 7 files: 105–150 ms by path, 15–17 ms through open descriptors. No library does this: it is a map
 * of {@link FileChannel}s.
 * <p>
 * A descriptor of a file whose cgroup or interface is gone fails its next read ({@code ENODEV}); the file is then
 * opened anew by path once, so a VE restarted under the same cgroup path is read in its new incarnation, never the
 * old. {@link #retain} closes the descriptors of what is gone (a removed cgroup lingers in the kernel while a
 * descriptor of it is open). At most {@code capacity} files are kept open; beyond that files are read by path.
 */
public final class KernelFiles implements AutoCloseable {

    /** Larger than any file read this way; a file that fills it is read by path instead (and not kept). */
    private static final int BUFFER = 64 * 1024;

    private final Map<Path, FileChannel> open = new HashMap<>();
    private final int capacity;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    private final byte[] bytes = new byte[BUFFER];

    /** With a capacity of a quarter of this process's open-file limit (the JVM raises it to the hard limit). */
    public KernelFiles() {
        this(defaultCapacity());
    }

    public KernelFiles(int capacity) {
        this.capacity = capacity;
    }

    /** The file's text, or null when it does not exist. */
    public synchronized String read(Path file) throws IOException {
        FileChannel channel = open.get(file);
        if (channel != null) {
            try {
                return readFrom(channel, file);
            } catch (IOException gone) {
                // its cgroup or interface was removed (and perhaps made anew): read the file by its path again
                close(open.remove(file));
            }
        }
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
        boolean kept = false;
        try {
            String text = readFrom(channel, file);
            if (open.size() < capacity && text.length() < BUFFER) {
                open.put(file, channel);
                kept = true;
            }
            return text;
        } finally {
            if (!kept) {
                close(channel);
            }
        }
    }

    /** The file's first number ("max" and an empty file: null), or null when the file does not exist. */
    public Long number(Path file) throws IOException {
        String text = read(file);
        return text == null ? null : firstNumber(text);
    }

    /** The first whitespace-separated word of {@code text} as a number; null for "max" or nothing. */
    public static Long firstNumber(String text) {
        int start = 0;
        while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        int end = start;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        String word = text.substring(start, end);
        return word.isEmpty() || word.equals("max") ? null : Long.parseLong(word);
    }

    /** Closes the descriptors of files {@code keep} says are no longer wanted (a stopped VE's). */
    public synchronized void retain(Predicate<Path> keep) {
        for (Iterator<Map.Entry<Path, FileChannel>> it = open.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Path, FileChannel> entry = it.next();
            if (!keep.test(entry.getKey())) {
                close(entry.getValue());
                it.remove();
            }
        }
    }

    /** How many descriptors are open. */
    public synchronized int openFiles() {
        return open.size();
    }

    @Override
    public synchronized void close() {
        open.values().forEach(KernelFiles::close);
        open.clear();
    }

    private String readFrom(FileChannel channel, Path file) throws IOException {
        buffer.clear();
        // one read: the kernel fills it as far as the file goes (seq_file and sysfs stop short only at the end)
        int total = Math.max(0, channel.read(buffer, 0));
        if (total == BUFFER) {
            return Files.readString(file, StandardCharsets.ISO_8859_1); // larger than ever expected: read whole
        }
        buffer.flip();
        buffer.get(bytes, 0, total);
        return new String(bytes, 0, total, StandardCharsets.ISO_8859_1);
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // a read-only descriptor: nothing was written that could be lost
        }
    }

    private static int defaultCapacity() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? 1 << 16 : (int) Math.min(1 << 16, Long.parseLong(soft) / 4);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux as expected: keep a modest number open
        }
        return 1024;
    }
}
