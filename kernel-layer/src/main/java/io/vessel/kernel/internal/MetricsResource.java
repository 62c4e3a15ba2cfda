package io.vessel.kernel.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VirtualEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /api/v1/metrics}: the Prometheus text format, one series per VE labelled {@code ve="101"}, from the
 * latest accounting sample, beside each VE's limits and state, so Prometheus and Grafana need nothing but a scrape
 * job (with an API token holding {@code metrics.read}: {@code authorization: {credentials: vsl_…}}). A caller below
 * the provider sees only the VEs of their part of the tenancy tree.
 */
@Path("metrics")
public final class MetricsResource {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final KernelComponent.VeServiceHandle ves;
    private final java.util.function.Supplier<io.vessel.kernel.internal.usage.UsageMeter> usage;

    /** Both come up after the resource is registered: until then a scrape answers 503. */
    MetricsResource(KernelComponent.VeServiceHandle ves, java.util.function.Supplier<io.vessel.kernel.internal.usage.UsageMeter> usage) {
        this.ves = ves;
        this.usage = usage;
    }

    @GET
    @Produces(PROMETHEUS_TEXT)
    @RequiresPermission(Permissions.METRICS_READ)
    public String scrapeMetrics(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        List<VirtualEnvironment> all = ves.get().list().stream().filter(ve -> caller.sees(ve.owner())).toList();
        io.vessel.kernel.internal.usage.UsageMeter usage = this.usage.get();
        if (usage == null) {
            throw new VeException(VeException.Kind.UNAVAILABLE, "accounting is not running on this node");
        }
        Map<Integer, UsageSample> samples = usage.currentAll().stream().collect(Collectors.toMap(UsageSample::veId, s -> s));
        StringBuilder out = new StringBuilder();
        out.append(render(all, samples));
        out.append("# HELP vessel_accounting_sweep_seconds How long the last accounting sweep over all running VEs took\n"
                + "# TYPE vessel_accounting_sweep_seconds gauge\n"
                + "vessel_accounting_sweep_seconds " + String.format(Locale.ROOT, "%.6f", usage.lastSweepNanos() / 1e9) + "\n"
                + "# HELP vessel_accounting_sweep_ves VEs sampled by the last accounting sweep\n"
                + "# TYPE vessel_accounting_sweep_ves gauge\n"
                + "vessel_accounting_sweep_ves " + usage.lastSweepVes() + "\n");
        return out.toString();
    }

    static String render(List<VirtualEnvironment> all, Map<Integer, UsageSample> samples) {
        StringBuilder out = new StringBuilder();
        family(out, "vessel_ve_up", "gauge", "1 while the VE runs (or is frozen), 0 otherwise", all,
                ve -> ve.state().name().equals("RUNNING") || ve.state().name().equals("SUSPENDED") ? 1.0 : 0.0);
        family(out, "vessel_ve_memory_limit_bytes", "gauge", "Memory limit", all, ve -> (double) ve.limits().memoryBytes());
        family(out, "vessel_ve_disk_limit_bytes", "gauge", "Disk quota", all, ve -> (double) ve.limits().diskBytes());
        family(out, "vessel_ve_processes_limit", "gauge", "Process limit", all, ve -> (double) ve.limits().processes());
        List<VirtualEnvironment> sampled = new ArrayList<>(all.stream().filter(ve -> samples.containsKey(ve.id())).toList());
        family(out, "vessel_ve_cpu_seconds_total", "counter", "CPU time used", sampled, ve -> samples.get(ve.id()).cpuNanosTotal() / 1e9);
        family(out, "vessel_ve_memory_bytes", "gauge", "Memory in use", sampled, ve -> (double) samples.get(ve.id()).memoryBytes());
        family(out, "vessel_ve_memory_peak_bytes", "gauge", "Most memory in use since the VE started", sampled,
                ve -> (double) samples.get(ve.id()).memoryPeakBytes());
        family(out, "vessel_ve_swap_bytes", "gauge", "Swap in use", sampled, ve -> (double) samples.get(ve.id()).swapBytes());
        family(out, "vessel_ve_processes", "gauge", "Processes and threads", sampled, ve -> (double) samples.get(ve.id()).processes());
        family(out, "vessel_ve_disk_used_bytes", "gauge", "Bytes the VE's file system holds",
                sampled.stream().filter(ve -> samples.get(ve.id()).diskBytes() != null).toList(), ve -> (double) samples.get(ve.id()).diskBytes());
        family(out, "vessel_ve_disk_used_inodes", "gauge", "Files, directories and links in the VE's file system",
                sampled.stream().filter(ve -> samples.get(ve.id()).diskInodes() != null).toList(), ve -> (double) samples.get(ve.id()).diskInodes());
        family(out, "vessel_ve_disk_read_bytes_total", "counter", "Bytes read from disk", sampled, ve -> (double) samples.get(ve.id()).readBytesTotal());
        family(out, "vessel_ve_disk_written_bytes_total", "counter", "Bytes written to disk", sampled,
                ve -> (double) samples.get(ve.id()).writeBytesTotal());
        family(out, "vessel_ve_disk_reads_total", "counter", "Disk read operations", sampled, ve -> (double) samples.get(ve.id()).readOpsTotal());
        family(out, "vessel_ve_disk_writes_total", "counter", "Disk write operations", sampled, ve -> (double) samples.get(ve.id()).writeOpsTotal());
        List<VirtualEnvironment> networked = sampled.stream().filter(ve -> samples.get(ve.id()).netRxBytesTotal() != null).toList();
        family(out, "vessel_ve_network_receive_bytes_total", "counter", "Bytes received", networked, ve -> (double) samples.get(ve.id()).netRxBytesTotal());
        family(out, "vessel_ve_network_transmit_bytes_total", "counter", "Bytes sent", networked, ve -> (double) samples.get(ve.id()).netTxBytesTotal());
        family(out, "vessel_ve_network_receive_packets_total", "counter", "Packets received", networked,
                ve -> (double) samples.get(ve.id()).netRxPacketsTotal());
        family(out, "vessel_ve_network_transmit_packets_total", "counter", "Packets sent", networked,
                ve -> (double) samples.get(ve.id()).netTxPacketsTotal());
        return out.toString();
    }

    private static void family(StringBuilder out, String name, String type, String help, List<VirtualEnvironment> ves,
                               Function<VirtualEnvironment, Double> value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (VirtualEnvironment ve : ves) {
            double v = value.apply(ve);
            out.append(name).append("{ve=\"").append(ve.id()).append("\"} ")
                    .append(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.9g", v)).append('\n');
        }
    }
}
