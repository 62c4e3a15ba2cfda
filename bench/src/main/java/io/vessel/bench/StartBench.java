package io.vessel.bench;

import io.vessel.bench.Bench.Row;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code bench/run cold-start}: the panel's first start on a fresh data directory and its restart on an existing
 * one (and {@code bench/run restart-200}: with 200 running VEs), each from process launch to the first {@code 200} of
 * {@code /api/v1/health}, beside a bare Jetty "hello" started with the same JVM options; the resident set idle after
 * start and the heap after a full GC; and each bundle's share of the start (start() time and CPU), so a bundle that
 * makes the start slower shows at once.
 */
final class StartBench {

    /** The launcher's defaults (bin/vessel); the class-data archive it adds when present is part of "ours". */
    static final String JAVA_OPTS = "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MetaspaceSize=128m" + hugePages();

    /** bin/vessel asks for transparent huge pages where the kernel offers them; the bare Jetty gets them too. */
    private static String hugePages() {
        try {
            String modes = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return modes.contains("[always]") || modes.contains("[madvise]") ? " -XX:+UseTransparentHugePages" : "";
        } catch (IOException e) {
            return "";
        }
    }
    private static final int RUNS = 5;
    private static final String LAUNCHER = "launcher and Felix framework";
    private static final int VES = 200;
    private static final Pattern READY = Pattern.compile("Vessel ready .* cpuMs=(\\d+) slowestBundleStartsMs=\\{([^}]*)}");

    private final Path repo;
    private final Path dist;
    private final VeBench ves;

    StartBench(Path repo, VeBench ves) {
        this.repo = repo;
        this.dist = repo.resolve("distribution/target/vessel");
        this.ves = ves;
    }

    List<Row> run() throws Exception {
        List<Row> rows = new ArrayList<>();
        double jetty = bareJetty();
        List<Path> works = new ArrayList<>();
        double first = median(port -> {
            Path work = Bench.tempDir();
            works.add(work);
            return panel(work, port, JAVA_OPTS);
        });
        rows.add(new Row("first start to first 200 from /api/v1/health (median of " + RUNS + ")", "ms", first, "bare Jetty 12 hello", jetty, "<= 5x"));
        Path work = works.get(works.size() - 1);
        double restart = median(port -> panel(work, port, JAVA_OPTS));
        rows.add(new Row("restart, existing data, no VEs (median of " + RUNS + ")", "ms", restart, "bare Jetty 12 hello", jetty, "<= 4x"));
        rows.addAll(footprint(work));
        rows.addAll(bundleShares(work));
        for (Path w : works) {
            Bench.leftOver(w);
        }
        return rows;
    }

    /** {@code bench/run restart-200}: the restart with {@value #VES} running VEs beside the same peer. */
    List<Row> restart200() throws Exception {
        return List.of(restartWithVes(bareJetty()));
    }

    private double bareJetty() throws Exception {
        String cp = repo.resolve("bench/target/bench.jar") + File.pathSeparator + repo.resolve("bench/target/lib") + File.separator + "*";
        return median(port -> {
            List<String> cmd = new ArrayList<>(List.of("java"));
            cmd.addAll(List.of(JAVA_OPTS.split(" ")));
            cmd.addAll(List.of("-Xshare:auto", "-cp", cp, HelloJetty.class.getName(), String.valueOf(port)));
            return new ProcessBuilder(cmd);
        }, "/");
    }

    private ProcessBuilder panel(Path work, int port, String javaOpts) {
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/vessel").toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("VESSEL_"));
        pb.environment().put("VESSEL_HTTP_PORT", String.valueOf(port));
        pb.environment().put("VESSEL_HTTPS_PORT", String.valueOf(freePort()));
        pb.environment().put("VESSEL_DATA_DIR", work.resolve("data").toString());
        pb.environment().put("VESSEL_LOG_DIR", work.resolve("logs").toString());
        pb.environment().put("VESSEL_PLUGINS_DIR", work.resolve("plugins").toString());
        pb.environment().put("JAVA_OPTS", javaOpts);
        return pb;
    }

    private static int freePort() {
        try {
            return Bench.freePort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private double median(java.util.function.IntFunction<ProcessBuilder> launcher) throws Exception {
        return median(launcher, "/api/v1/health");
    }

    private static double median(java.util.function.IntFunction<ProcessBuilder> launcher, String path) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            times.add(timedStart(launcher, path, null));
        }
        times.sort(Comparator.naturalOrder());
        return times.get(times.size() / 2);
    }

    /** Launch to the first 200 from {@code path}, in ms; {@code whileUp} (if any) runs before the process is stopped. */
    private static double timedStart(java.util.function.IntFunction<ProcessBuilder> launcher, String path, ProcessAction whileUp) throws Exception {
        int port = Bench.freePort();
        ProcessBuilder pb = launcher.apply(port).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long started = System.nanoTime();
        Process p = pb.start();
        try {
            Bench.awaitOk(port, path, p);
            double ms = (System.nanoTime() - started) / 1e6;
            if (whileUp != null) {
                whileUp.run(p);
            }
            return ms;
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    interface ProcessAction {
        void run(Process p) throws Exception;
    }

    /** Resident set after 5 s idle and the heap after a full GC, after a restart. */
    private List<Row> footprint(Path work) throws Exception {
        double[] figures = new double[2];
        timedStart(port -> panel(work, port, JAVA_OPTS), "/api/v1/health", p -> {
            Thread.sleep(5000);
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    figures[0] = Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
            figures[1] = VeBench.heapUsedMib(p.pid());
        });
        return List.of(new Row("resident set, idle 5 s after start", "Mi", figures[0], "-", 0, ""),
                new Row("heap used after a full GC, idle after start", "Mi", figures[1], "-", 0, ""));
    }

    /**
     * One more restart under JFR: every CPU sample until ready is charged to the bundle whose class is nearest the
     * top of its stack (JDK and Felix frames to the bundle they work for: class loading, weaving); the launcher's log
     * line gives each bundle's start(). JFR's own overhead makes the CPU total a little higher than without it.
     */
    private List<Row> bundleShares(Path work) throws Exception {
        Path jfc = work.resolve("samples.jfc");
        Files.writeString(jfc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><configuration version=\"2.0\">"
                + "<event name=\"jdk.ExecutionSample\"><setting name=\"enabled\">true</setting><setting name=\"period\">1 ms</setting></event>"
                + "</configuration>");
        Path recording = work.resolve("start.jfr");
        Files.deleteIfExists(recording);
        timedStart(port -> panel(work, port, JAVA_OPTS + " -XX:StartFlightRecording=filename=" + recording + ",settings=" + jfc), "/api/v1/health", null);
        String log = Files.readString(work.resolve("logs/vessel.log"));
        Matcher ready = READY.matcher(log);
        long cpuMs = 0;
        Map<String, Long> startMs = new HashMap<>();
        while (ready.find()) { // the last start's line
            cpuMs = Long.parseLong(ready.group(1));
            startMs.clear();
            for (String pair : ready.group(2).split(", ")) {
                String[] kv = pair.split("=");
                if (kv.length == 2) {
                    startMs.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        }
        Map<String, String> owners = classOwners();
        Map<String, Integer> samples = new TreeMap<>();
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            String owner = "JDK";
            for (RecordedFrame frame : event.getStackTrace().getFrames()) {
                String found = owners.get(frame.getMethod().getType().getName());
                if (found != null && !found.equals(LAUNCHER)) {
                    owner = found; // the nearest bundle: Felix loading a class for it is charged to it
                    break;
                }
                if (found != null && owner.equals("JDK")) {
                    owner = LAUNCHER; // unless no bundle is on the stack at all
                }
            }
            samples.merge(owner, 1, Integer::sum);
            total++;
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("CPU of the start, launch to ready (process)", "ms", cpuMs, "-", 0, ""));
        int sampled = total;
        long cpu = cpuMs;
        samples.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(14).forEach(e -> {
            Long took = startMs.get(e.getKey());
            rows.add(new Row("  CPU share " + e.getKey() + (took == null ? "" : ", start() " + took + " ms"), "ms",
                    sampled == 0 ? 0 : cpu * e.getValue() / (double) sampled, "-", 0, ""));
        });
        return rows;
    }

    /**
     * Which bundle of the distribution (by symbolic name, as the launcher logs start() times) or the launcher's lib/
     * holds each class, nested jars included.
     */
    private Map<String, String> classOwners() throws IOException {
        Map<String, String> owners = new HashMap<>();
        for (String dir : List.of("lib", "bundle")) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(dist.resolve(dir), "*.jar")) {
                for (Path jar : jars) {
                    String name = dir.equals("lib") ? LAUNCHER : symbolicName(jar);
                    try (InputStream in = Files.newInputStream(jar)) {
                        index(new ZipInputStream(in), name, owners);
                    }
                }
            }
        }
        return owners;
    }

    private static String symbolicName(Path bundle) throws IOException {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(bundle.toFile())) {
            String name = jar.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
            return name == null ? bundle.getFileName().toString() : name.split(";", 2)[0].strip();
        }
    }

    private static void index(ZipInputStream zip, String owner, Map<String, String> owners) throws IOException {
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
            String entryName = entry.getName();
            if (entryName.endsWith(".class")) {
                owners.putIfAbsent(entryName.substring(0, entryName.length() - 6).replace('/', '.'), owner);
            } else if (entryName.endsWith(".jar")) {
                index(new ZipInputStream(zip), owner, owners); // embedded dependency (Bundle-ClassPath)
            }
        }
    }

    /**
     * A panel with {@value #VES} running VEs is stopped (they keep running) and restarted on the same data: the
     * restart reconciles every VE before it is ready. Median of 3; the VEs are removed afterwards.
     */
    private Row restartWithVes(double jetty) throws Exception {
        try (VeBench.Panel panel = ves.new Panel()) {
            for (int i = 0; i < VES; i++) {
                panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + (3000 + i) + "}");
                panel.timed("POST", "/api/v1/ves/" + (3000 + i) + "/start", null);
            }
            panel.process.destroy();
            panel.process.waitFor(60, TimeUnit.SECONDS);
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                times.add(timedStart(port -> panel(panel.work, port, JAVA_OPTS), "/api/v1/health", null));
            }
            times.sort(Comparator.naturalOrder());
            return new Row("restart with " + VES + " running VEs (median of 3)", "ms", times.get(1), "bare Jetty 12 hello", jetty, "");
        }
    }
}
