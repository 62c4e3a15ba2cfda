package io.vessel.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.regex.Pattern;

/** A list of CPUs in the kernel's format ({@code 0-3,6}), as {@code cpuset.cpus} and {@code /sys/.../online} use. */
public final class CpuSet {

    private static final Pattern FORMAT = Pattern.compile("\\d{1,4}(-\\d{1,4})?(,\\d{1,4}(-\\d{1,4})?)*");

    private CpuSet() {
    }

    /** The CPUs named, or null when the text is not in the kernel's format. */
    public static BitSet parse(String text) {
        String s = text.strip();
        if (!FORMAT.matcher(s).matches()) {
            return null;
        }
        BitSet cpus = new BitSet();
        for (String part : s.split(",")) {
            String[] range = part.split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
            if (to < from) {
                return null;
            }
            cpus.set(from, to + 1);
        }
        return cpus;
    }

    /** The CPUs the host has online. */
    public static BitSet online(Path sysfsCpu) throws IOException {
        BitSet cpus = parse(Files.readString(sysfsCpu.resolve("online")));
        if (cpus == null) {
            throw new IOException("cannot read the host's online CPUs from " + sysfsCpu.resolve("online"));
        }
        return cpus;
    }
}
