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

    /**
     * The CPUs a VE with a CPU cap of {@code cpus} and no cpuset of its own runs on: as many as the cap rounded up,
     * or all ({@code ""}) when that is every online CPU or there is no cap. Programs size their thread pools from
     * the CPUs they may run on ({@code nproc}, {@code sched_getaffinity}), which a cap alone does not change.
     * Consecutive VEs start at different CPUs so that pinned VEs spread over the host rather than pile onto CPU 0.
     */
    public static String forCap(java.math.BigDecimal cpus, BitSet online, int veId) {
        if (cpus == null || cpus.signum() <= 0) {
            return "";
        }
        int width = cpus.setScale(0, java.math.RoundingMode.CEILING).intValueExact();
        int[] host = online.stream().toArray();
        if (width >= host.length) {
            return "";
        }
        BitSet chosen = new BitSet();
        int first = Math.floorMod(veId * width, host.length);
        for (int i = 0; i < width; i++) {
            chosen.set(host[(first + i) % host.length]);
        }
        return format(chosen);
    }

    /** The kernel's list format of a set of CPUs ({@code 0-2,5}). */
    public static String format(BitSet cpus) {
        StringBuilder text = new StringBuilder();
        for (int from = cpus.nextSetBit(0); from >= 0; from = cpus.nextSetBit(from + 1)) {
            int to = cpus.nextClearBit(from) - 1;
            text.append(text.length() == 0 ? "" : ",").append(from).append(to > from ? "-" + to : "");
            from = to;
        }
        return text.toString();
    }
}
