package io.vessel.identity.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.HealthReport;
import io.vessel.api.platform.LocalPeer;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.PublicEndpoint;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The one place the API is guarded. For every resource method Jersey serves, it reads the method's declaration
 * ({@link RequiresPermission} or {@link PublicEndpoint}) and puts an {@link AccessFilter} in front of it, plus an
 * {@link AuditFilter} behind every state-changing one. A method with no declaration gets a filter that refuses
 * every call (the web bundle does not even serve such resources; this is the second lock).
 *
 * <p>Registered as the {@code identity} health check too: the panel counts as ready only once this guards the API.
 */
@Component(service = {AccessControl.class, HealthCheck.class},
        property = {ApiWhiteboard.EXTENSION + "=true", HealthCheck.NAME_PROPERTY + "=identity"})
public final class AccessControl implements DynamicFeature, HealthCheck {

    private final IdentityManager identity;
    private final ApiTokens tokens;
    private final Roles roles;
    private final AuditLog audit;
    private final Map<String, ObjectOwnership> owners = new ConcurrentHashMap<>();

    @Activate
    public AccessControl(@Reference IdentityManager identity, @Reference ApiTokens tokens, @Reference Roles roles, @Reference AuditLog audit) {
        this.identity = identity;
        this.tokens = tokens;
        this.roles = roles;
        this.audit = audit;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addOwnership(ObjectOwnership ownership, Map<String, Object> properties) {
        Object kind = properties.get(ObjectOwnership.KIND);
        if (kind != null) {
            owners.put(kind.toString(), ownership);
        }
    }

    void removeOwnership(ObjectOwnership ownership, Map<String, Object> properties) {
        Object kind = properties.get(ObjectOwnership.KIND);
        if (kind != null) {
            owners.remove(kind.toString(), ownership);
        }
    }

    Optional<ObjectOwnership> ownership(String kind) {
        return Optional.ofNullable(owners.get(kind));
    }

    /**
     * Whether the object of {@code kind} with {@code id} exists and is shared or lies in the caller's part of the tree;
     * false both for missing objects and for other tenants' (which must look alike).
     */
    boolean sees(AuthenticatedCaller caller, String kind, String id) {
        Optional<String> owner = id == null ? Optional.empty() : ownership(kind).flatMap(o -> o.ownerOf(id));
        return owner.isPresent() && (ObjectOwnership.SHARED.equals(owner.get()) || caller.sees(owner.get()));
    }

    /** Every registered kind's resolver, to check that a tenant owns nothing before it is deleted. */
    Map<String, ObjectOwnership> ownerships() {
        return Map.copyOf(owners);
    }

    @Override
    public void configure(ResourceInfo info, FeatureContext context) {
        Method method = info.getResourceMethod();
        Class<?> type = info.getResourceClass();
        String httpMethod = httpMethod(method);
        String template = template(type, method);
        if (declared(method, type, PublicEndpoint.class) != null) {
            if (httpMethod != null && !SAFE.contains(httpMethod)) {
                // login, logout, password reset: no caller to check, but still only from the panel's own pages
                // (login CSRF would log a victim into the attacker's account; forced logout is a nuisance)
                context.register(new CrossSiteFilter(), Priorities.AUTHENTICATION);
            } else {
                // e.g. the health document: more for a caller who logged in, the same for everyone else
                context.register(new OptionalCallerFilter(this), Priorities.AUTHENTICATION);
            }
            return;
        }
        RequiresPermission requirement = declared(method, type, RequiresPermission.class);
        if (requirement != null) {
            roles.declare(requirement.value());
        }
        context.register(new AccessFilter(this, requirement, template), Priorities.AUTHENTICATION);
        if (httpMethod != null && !httpMethod.equals(HttpMethod.GET) && !httpMethod.equals(HttpMethod.HEAD)
                && !httpMethod.equals(HttpMethod.OPTIONS)) {
            context.register(new AuditFilter(audit, httpMethod + " " + template), Priorities.USER);
        }
    }

    private static final java.util.Set<String> SAFE = java.util.Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    /** Refuses a state-changing request to a public endpoint that a browser says comes from another site. */
    static final class CrossSiteFilter implements jakarta.ws.rs.container.ContainerRequestFilter {
        @Override
        public void filter(jakarta.ws.rs.container.ContainerRequestContext request) {
            if (!SameOrigin.check(request.getHeaderString("Origin"), request.getHeaderString("Sec-Fetch-Site"), request.getUriInfo().getBaseUri())) {
                throw new ProblemException(403, "forbidden", "Cross-site request refused",
                        "This request must come from the panel's own pages.");
            }
        }
    }

    /** Identifies the caller of a public read when credentials come with it; anonymous (never refused) otherwise. */
    static final class OptionalCallerFilter implements jakarta.ws.rs.container.ContainerRequestFilter {
        private final AccessControl control;

        OptionalCallerFilter(AccessControl control) {
            this.control = control;
        }

        @Override
        public void filter(jakarta.ws.rs.container.ContainerRequestContext request) {
            String authorization = request.getHeaderString("Authorization");
            jakarta.ws.rs.core.Cookie cookie = request.getCookies().get(AuthResource.COOKIE);
            Optional<LocalPeer> peer = LocalPeer.of(request.getProperty(LocalPeer.ATTRIBUTE));
            if (authorization == null && cookie == null && !peer.map(LocalPeer::root).orElse(false)) {
                return;
            }
            Object address = request.getProperty(ApiWhiteboard.CLIENT_ADDRESS);
            try {
                AuthenticatedCaller caller = control.authenticate(authorization, cookie == null ? null : cookie.getValue(),
                        address == null ? "unknown" : address.toString(), peer);
                request.setSecurityContext(AccessFilter.CallerContext.of(caller, request, peer));
            } catch (ProblemException notAuthenticated) {
                // an expired session or a wrong token: answered as to anyone
            }
        }
    }

    private static <A extends Annotation> A declared(Method method, Class<?> type, Class<A> annotation) {
        A onMethod = method.getAnnotation(annotation);
        return onMethod != null ? onMethod : type.getAnnotation(annotation);
    }

    private static String httpMethod(Method method) {
        for (Annotation a : method.getAnnotations()) {
            HttpMethod designator = a.annotationType().getAnnotation(HttpMethod.class);
            if (designator != null) {
                return designator.value();
            }
        }
        return null;
    }

    /** The path template as written in the code, e.g. {@code ves/{id}/start}. */
    static String template(Class<?> type, Method method) {
        Path typePath = type.getAnnotation(Path.class);
        Path methodPath = method.getAnnotation(Path.class);
        String joined = (typePath == null ? "" : typePath.value()) + "/" + (methodPath == null ? "" : methodPath.value());
        return joined.replaceAll("/+", "/").replaceAll("^/|/$", "");
    }

    /**
     * The caller behind an {@code Authorization: Bearer} header or, without one, a session cookie; without either, root on
     * the host through the local socket ({@link IdentityManager#hostRoot}); 401 otherwise. Whether a cookie may be used
     * for the request (cross-site) is the caller's to check: it knows the request.
     */
    AuthenticatedCaller authenticate(String authorization, String sessionToken, String ip, Optional<LocalPeer> localPeer) {
        if (authorization == null && sessionToken == null && localPeer.map(LocalPeer::root).orElse(false)) {
            return identity.hostRoot();
        }
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new ProblemException(401, "unauthorized", "Not authenticated", "Send API tokens as Authorization: Bearer vsl_….");
            }
            return tokens.authenticate(authorization.substring(7).strip(), ip);
        }
        return (sessionToken == null ? Optional.<AuthenticatedCaller>empty() : identity.callerOfSession(sessionToken))
                .orElseThrow(() -> new ProblemException(401, "unauthorized", "Not logged in",
                        "Log in with POST /api/v1/auth/login, or send an API token as Authorization: Bearer."));
    }

    /** 403 with the reason while the caller's tenant (or one above it) is suspended; admins acting as it still get in. */
    static void refuseIfSuspended(AuthenticatedCaller caller) {
        if (caller.impersonator().isEmpty()) {
            caller.tenancy().suspension(caller.tenant()).ifPresent(reason -> {
                throw LoginRefused.suspended(reason);
            });
        }
    }

    @Override
    public HealthReport check() {
        return HealthReport.up("accounts, tokens and permissions guard the API", Map.of("objectKinds", owners.size()));
    }
}
