package io.vessel.web.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.HealthReport;
import io.vessel.api.platform.HealthState;
import io.vessel.api.platform.PanelReady;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code GET /api/v1/health}: version, uptime and every registered {@link HealthCheck}. Answers 503 when any
 * check is DOWN, so load balancers and the launcher can tell a panel that cannot serve.
 */
@Component(service = HealthResource.class, property = ApiWhiteboard.RESOURCE + "=true", configurationPid = WebConfig.PID)
@Path("health")
@io.vessel.api.security.PublicEndpoint
public final class HealthResource {

    /** The health document. */
    public record Health(HealthState status, String version, Instant startedAt, Long uptimeSeconds,
                         Map<String, HealthReport> checks) {
    }

    /** Checks without which the panel cannot serve; until they register, the panel is still starting. */
    private final Set<String> required;

    private final Map<String, HealthCheck> checks = new ConcurrentHashMap<>();
    private final String version;
    private final Instant startedAt = VersionInfo.startedAt();

    @Activate
    public HealthResource(BundleContext context, WebConfig config) {
        this.version = VersionInfo.of(context);
        this.required = Set.of(config.required_checks());
    }

    /** Registered by the whiteboard once every required check exists and the API serves all resources. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PanelReady ready;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCheck(HealthCheck check, Map<String, Object> properties) {
        checks.put(name(properties), check);
    }

    void removeCheck(HealthCheck check, Map<String, Object> properties) {
        checks.remove(name(properties), check);
    }

    private static String name(Map<String, Object> properties) {
        Object name = properties.get(HealthCheck.NAME_PROPERTY);
        return name != null ? name.toString() : "service-" + properties.get("service.id");
    }

    /**
     * Anonymous callers (load balancers, monitors) get the overall state and each check's state only; versions,
     * paths, database and node facts need a login with {@code node.read}.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health(@jakarta.ws.rs.core.Context jakarta.ws.rs.core.SecurityContext security) {
        boolean details = security != null && security.getUserPrincipal() instanceof io.vessel.api.security.Caller caller
                && caller.may(io.vessel.api.security.Permissions.NODE_READ);
        Map<String, HealthReport> reports = new TreeMap<>();
        HealthState overall = HealthState.UP;
        for (String name : required) {
            if (!checks.containsKey(name)) {
                reports.put(name, HealthReport.down("starting", Map.of()));
                overall = HealthState.DOWN;
            }
        }
        if (ready == null) {
            reports.put("panel", HealthReport.down("starting: not every component serves yet", Map.of()));
            overall = HealthState.DOWN;
        }
        // Probes poll a starting panel many times a second: for them the answer is "starting" whatever the checks
        // say, so the checks (a database round trip each) are not run on the CPU the start-up needs.
        Map<String, HealthCheck> toRun = ready != null || details ? checks : Map.of();
        for (Map.Entry<String, HealthCheck> entry : toRun.entrySet()) {
            HealthReport report;
            try {
                report = entry.getValue().check();
            } catch (RuntimeException e) {
                report = HealthReport.down("health check failed: " + e.getMessage(), Map.of());
            }
            reports.put(entry.getKey(), report);
            if (report.status().compareTo(overall) > 0) {
                overall = report.status();
            }
        }
        Instant now = Instant.now();
        if (!details) {
            reports.replaceAll((name, report) -> new HealthReport(report.status(), null, Map.of()));
            return Response.status(overall == HealthState.DOWN ? 503 : 200).entity(new Health(overall, null, null, null, reports)).build();
        }
        Health health = new Health(overall, version, startedAt, Duration.between(startedAt, now).toSeconds(), reports);
        return Response.status(overall == HealthState.DOWN ? 503 : 200).entity(health).build();
    }
}
