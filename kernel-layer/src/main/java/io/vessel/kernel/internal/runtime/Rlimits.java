package io.vessel.kernel.internal.runtime;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resource limits a VE's init starts with, stated in its OCI bundle rather than inherited from the panel
 * (whose limits the JVM's launcher may have raised). A user namespace cannot raise a hard limit, so each value is
 * at most the panel's own hard limit, which the host administrator sets.
 */
final class Rlimits {

    private static final BigInteger UNLIMITED = new BigInteger("18446744073709551615");

    /** OCI name, the line's label in /proc/self/limits, soft and hard wanted (null: the panel's hard limit). */
    private record Wanted(String type, String label, BigInteger soft, BigInteger hard) {
    }

    private static final List<Wanted> WANTED = List.of(
            new Wanted("RLIMIT_NOFILE", "Max open files", BigInteger.valueOf(1024), BigInteger.valueOf(524288)),
            new Wanted("RLIMIT_CORE", "Max core file size", BigInteger.ZERO, null),
            new Wanted("RLIMIT_MEMLOCK", "Max locked memory", BigInteger.valueOf(8L << 20), BigInteger.valueOf(8L << 20)),
            new Wanted("RLIMIT_MSGQUEUE", "Max msgqueue size", BigInteger.valueOf(819200), BigInteger.valueOf(819200)),
            new Wanted("RLIMIT_STACK", "Max stack size", BigInteger.valueOf(8L << 20), null));

    private Rlimits() {
    }

    /** The {@code process.rlimits} of a VE, bounded by the limits of this process. */
    static List<Map<String, Object>> forVe() {
        return forVe(Path.of("/proc/self/limits"));
    }

    static List<Map<String, Object>> forVe(Path procLimits) {
        Map<String, BigInteger> panelHard = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(procLimits)) {
                for (Wanted w : WANTED) {
                    if (line.startsWith(w.label())) {
                        String[] fields = line.substring(w.label().length()).trim().split("\\s+");
                        panelHard.put(w.type(), fields[1].equals("unlimited") ? UNLIMITED : new BigInteger(fields[1]));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // unreadable: the VE inherits, as before
        }
        List<Map<String, Object>> limits = new ArrayList<>();
        for (Wanted w : WANTED) {
            BigInteger ceiling = panelHard.get(w.type());
            if (ceiling == null) {
                continue;
            }
            BigInteger hard = w.hard() == null ? ceiling : w.hard().min(ceiling);
            limits.add(Map.of("type", w.type(), "soft", w.soft().min(hard), "hard", hard));
        }
        return limits;
    }
}
