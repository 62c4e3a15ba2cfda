package io.vessel.web.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.vessel.api.security.PublicEndpoint;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.glassfish.jersey.model.Parameter;
import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;

/**
 * Builds the OpenAPI 3 document from the resources that are registered right now, so a plugin's endpoints show
 * up the moment it starts. Paths come from Jersey's resource model, schemas from Jackson's view of the types,
 * which is exactly what goes over the wire.
 */
final class OpenApiGenerator {

    private final ObjectMapper mapper;

    OpenApiGenerator(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    Map<String, Object> generate(Collection<Class<?>> resourceClasses, String version) {
        Map<String, Object> schemas = new TreeMap<>();
        Map<String, Map<String, Object>> paths = new TreeMap<>();
        List<Class<?>> sorted = new ArrayList<>(resourceClasses);
        sorted.sort(Comparator.comparing(Class::getName));
        for (Class<?> type : sorted) {
            Resource resource = Resource.from(type);
            if (resource != null) {
                addResource(resource, "", tag(type), paths, schemas);
            }
        }
        schemaFor(mapper.constructType(Problem.class), schemas);

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", Map.of("title", "Vessel API", "version", version,
                "description", "Hosting control panel API. Every error is an RFC 9457 application/problem+json document."));
        doc.put("servers", List.of(Map.of("url", ApiWhiteboard.BASE_PATH)));
        doc.put("paths", paths);
        doc.put("components", Map.of("schemas", schemas, "securitySchemes", Map.of(
                SESSION, Map.of("type", "apiKey", "in", "cookie", "name", "vessel_session",
                        "description", "Browser session from POST /auth/login (HttpOnly, SameSite=Strict)"),
                BEARER, Map.of("type", "http", "scheme", "bearer", "description", "API token (vsl_…) made with POST /me/tokens"))));
        return doc;
    }

    private void addResource(Resource resource, String prefix, String tag, Map<String, Map<String, Object>> paths,
                             Map<String, Object> schemas) {
        String path = join(prefix, resource.getPath());
        for (ResourceMethod method : resource.getResourceMethods()) {
            paths.computeIfAbsent(path.isEmpty() ? "/" : path, p -> new TreeMap<>())
                    .put(method.getHttpMethod().toLowerCase(Locale.ROOT), operation(method, tag, schemas));
        }
        for (Resource child : resource.getChildResources()) {
            addResource(child, path, tag, paths, schemas);
        }
    }

    private Map<String, Object> operation(ResourceMethod method, String tag, Map<String, Object> schemas) {
        Method java = method.getInvocable().getDefinitionMethod();
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("operationId", java.getDeclaringClass().getSimpleName() + "." + java.getName());
        op.put("summary", sentence(java.getName()));
        op.put("tags", List.of(tag));
        List<Map<String, Object>> parameters = new ArrayList<>();
        for (Parameter p : method.getInvocable().getParameters()) {
            switch (p.getSource()) {
                case PATH, QUERY, HEADER -> {
                    Map<String, Object> param = new LinkedHashMap<>();
                    param.put("name", p.getSourceName());
                    param.put("in", p.getSource().name().toLowerCase(Locale.ROOT));
                    param.put("required", p.getSource() == Parameter.Source.PATH);
                    param.put("schema", schemaFor(mapper.constructType(p.getType()), schemas));
                    parameters.add(param);
                }
                case ENTITY -> op.put("requestBody", Map.of("required", true,
                        "content", Map.of(consumed(method), Map.of("schema", java.io.InputStream.class.isAssignableFrom(p.getRawType())
                                ? Map.of("type", "string", "format", "binary") : schemaFor(mapper.constructType(p.getType()), schemas)))));
                default -> {
                    // @Context and similar are injected by the server, not sent by clients
                }
            }
        }
        if (!parameters.isEmpty()) {
            op.put("parameters", parameters);
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        Type returned = java.getGenericReturnType();
        if (returned == void.class) {
            responses.put("204", Map.of("description", "Done"));
        } else {
            Map<String, Object> ok = new LinkedHashMap<>();
            ok.put("description", "OK");
            if (!Response.class.equals(returned) && !StreamingOutput.class.equals(returned)) {
                ok.put("content", Map.of(produced(method), Map.of("schema", schemaFor(mapper.constructType(returned), schemas))));
            }
            responses.put("200", ok);
        }
        boolean hasBody = op.containsKey("requestBody") || !parameters.isEmpty();
        RequiresPermission requirement = declared(java, RequiresPermission.class);
        if (declared(java, PublicEndpoint.class) != null) {
            op.put("security", List.of());
        } else if (requirement != null) {
            op.put("security", List.of(Map.of(SESSION, List.of()), Map.of(BEARER, List.of())));
            op.put("x-permission", requirement.value());
            if (!requirement.object().isEmpty()) {
                op.put("x-object", requirement.object());
            }
            responses.put("401", problem("Not logged in, or the API token is invalid, expired, revoked or used from a wrong address"));
            responses.put("403", problem("The caller lacks the permission " + requirement.value()));
            if (!requirement.object().isEmpty()) {
                responses.put("404", problem("No such " + requirement.object() + ", or it belongs to another tenant (the two look alike)"));
            }
        }
        if (hasBody) {
            responses.put("400", problem("Malformed or invalid input; errors name each wrong field"));
        }
        responses.put("default", problem("Error (RFC 9457 problem)"));
        op.put("responses", responses);
        return op;
    }

    static final String SESSION = "session";
    static final String BEARER = "bearer";

    private static Map<String, Object> problem(String description) {
        return Map.of("description", description,
                "content", Map.of(ApiWhiteboard.PROBLEM_JSON, Map.of("schema", Map.of("$ref", "#/components/schemas/Problem"))));
    }

    private static <A extends java.lang.annotation.Annotation> A declared(Method method, Class<A> annotation) {
        A onMethod = method.getAnnotation(annotation);
        return onMethod != null ? onMethod : method.getDeclaringClass().getAnnotation(annotation);
    }

    private static String consumed(ResourceMethod method) {
        return method.getConsumedTypes().isEmpty() ? MediaType.APPLICATION_JSON : method.getConsumedTypes().get(0).toString();
    }

    private static String produced(ResourceMethod method) {
        return method.getProducedTypes().isEmpty() ? MediaType.APPLICATION_JSON : method.getProducedTypes().get(0).toString();
    }

    Map<String, Object> schemaFor(JavaType type, Map<String, Object> schemas) {
        Class<?> raw = type.getRawClass();
        if (raw == Optional.class) {
            return schemaFor(type.containedTypeOrUnknown(0), schemas);
        }
        if (raw == String.class || raw == char.class || raw == Character.class) {
            return Map.of("type", "string");
        }
        if (raw == UUID.class) {
            return Map.of("type", "string", "format", "uuid");
        }
        if (raw == Instant.class || raw == OffsetDateTime.class) {
            return Map.of("type", "string", "format", "date-time");
        }
        if (raw == LocalDate.class) {
            return Map.of("type", "string", "format", "date");
        }
        if (raw == Duration.class) {
            return Map.of("type", "string", "format", "duration");
        }
        if (raw == int.class || raw == Integer.class || raw == short.class || raw == Short.class) {
            return Map.of("type", "integer", "format", "int32");
        }
        if (raw == long.class || raw == Long.class || raw == BigInteger.class) {
            return Map.of("type", "integer", "format", "int64");
        }
        if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class || raw == BigDecimal.class) {
            return Map.of("type", "number");
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return Map.of("type", "boolean");
        }
        if (type.isEnumType()) {
            List<String> values = new ArrayList<>();
            for (Object constant : raw.getEnumConstants()) {
                values.add(String.valueOf(constant));
            }
            return Map.of("type", "string", "enum", values);
        }
        if (type.isArrayType() || type.isCollectionLikeType()) {
            return Map.of("type", "array", "items", schemaFor(type.getContentType(), schemas));
        }
        if (type.isMapLikeType()) {
            return Map.of("type", "object", "additionalProperties", schemaFor(type.getContentType(), schemas));
        }
        if (raw == Object.class || JsonNode.class.isAssignableFrom(raw) || raw.isInterface() || raw.getName().startsWith("java.")) {
            return Map.of();
        }
        String name = raw.getSimpleName();
        if (!schemas.containsKey(name)) {
            schemas.put(name, Map.of()); // placeholder first: types may refer to themselves
            Map<String, Object> properties = new LinkedHashMap<>();
            BeanDescription bean = mapper.getSerializationConfig().introspect(type);
            for (BeanPropertyDefinition property : bean.findProperties()) {
                if (property.couldSerialize()) {
                    properties.put(property.getName(), schemaFor(property.getPrimaryType(), schemas));
                }
            }
            Map<String, Object> schema = new LinkedHashMap<>();
            schema.put("type", "object");
            schema.put("properties", properties);
            schemas.put(name, schema);
        }
        return Map.of("$ref", "#/components/schemas/" + name);
    }

    private static String tag(Class<?> type) {
        String name = type.getSimpleName();
        return name.endsWith("Resource") && name.length() > "Resource".length() ? name.substring(0, name.length() - "Resource".length()) : name;
    }

    /** {@code listGreetings} becomes "List greetings". */
    private static String sentence(String methodName) {
        String spaced = methodName.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
        return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
    }

    private static String join(String prefix, String path) {
        String p = path == null ? "" : path.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) {
            return prefix;
        }
        return prefix + "/" + p;
    }
}
