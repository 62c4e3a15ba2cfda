package io.vessel.kernel.internal.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A caching DNS resolver for the VEs of one bridge: Debian's {@code dnsmasq} (no DHCP), answering only on the
 * bridge's addresses (the NAT pools' gateways, which pools hand out as name servers), forwarding to the host's own
 * resolvers, and serving a small local zone ({@code gateway.vessel.internal}: the host on the bridge).
 *
 * <p>It is started detached (dnsmasq daemonizes into its own session) and is never the panel's child: VEs keep
 * resolving names while the panel restarts, and the next panel adopts it by its pid file when its configuration is
 * unchanged. The host's filter limits each VE address to 100 queries a second, so one VE cannot flood it for all.
 */
public final class VeDns {

    private static final Logger LOG = LoggerFactory.getLogger(VeDns.class);

    /** The local zone the resolver answers itself. */
    public static final String LOCAL_ZONE = "vessel.internal";

    private final Path binary;
    private final Path config;
    private final Path pidFile;
    private final String bridge;

    private VeDns(Path binary, Path runDir, String bridge) {
        this.binary = binary;
        this.bridge = bridge;
        this.config = runDir.resolve("dnsmasq-" + bridge + ".conf");
        this.pidFile = runDir.resolve("dnsmasq-" + bridge + ".pid");
    }

    /** The resolver for {@code bridge}, if dnsmasq is installed. */
    public static Optional<VeDns> onThisHost(Path runDir, String bridge) {
        for (String candidate : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Optional.of(new VeDns(Path.of(candidate), runDir, bridge));
            }
        }
        return Optional.empty();
    }

    String configuration() {
        return String.join("\n",
                "# written by Vessel: the DNS resolver of the VEs on " + bridge,
                "interface=" + bridge,
                "except-interface=lo",
                "bind-dynamic",              // answers on the bridge's addresses, also those added later (new pools)
                "no-dhcp-interface=" + bridge,
                "no-hosts",                  // the host's /etc/hosts is not the VEs' business
                "domain-needed",
                "bogus-priv",
                "cache-size=10000",
                "dns-forward-max=300",
                "local=/" + LOCAL_ZONE + "/",
                "interface-name=gateway." + LOCAL_ZONE + "," + bridge,
                "pid-file=" + pidFile,
                "") + "\n";
    }

    /** Starts the resolver unless one with this configuration already runs (a panel restart adopts it). */
    public synchronized void ensureRunning() throws IOException {
        String wanted = configuration();
        Optional<Long> running = runningPid();
        if (running.isPresent() && Files.exists(config) && Files.readString(config).equals(wanted)) {
            return;
        }
        running.ifPresent(pid -> {
            LOG.info("Restarting the VE resolver with a new configuration pid={}", pid);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        });
        Files.createDirectories(config.getParent());
        Files.writeString(config, wanted);
        Process p = new ProcessBuilder(io.vessel.kernel.internal.linux.SystemdScope.around("dns-" + bridge, "Vessel: the VEs' resolver on "
                + bridge, List.of(binary.toString(), "--conf-file=" + config)))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).start();
        String output;
        try {
            // dnsmasq forks into the background and its first process exits once it listens (or with the reason it cannot)
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("dnsmasq did not start within 10 s");
            }
            output = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting dnsmasq", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("dnsmasq for " + bridge + " did not start: " + output);
        }
        LOG.info("VE resolver started bridge={} pid={}", bridge, runningPid().orElse(-1L));
    }

    /** The pid of the resolver this panel (or an earlier one) started, if it still runs. */
    Optional<Long> runningPid() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(config.toString())).orElse(true))
                    .map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
