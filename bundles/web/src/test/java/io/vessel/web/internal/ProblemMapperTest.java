package io.vessel.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.NotFoundException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemMapperTest {

    /** What a client might send to {@code POST /api/v1/ves}. */
    public record Limits(int memoryMb, double cpus) {
    }

    public record CreateVe(String template, String hostname, Limits limits) {
    }

    private final ObjectMapper json = JsonMapperFactory.create();
    private final ProblemMapper mapper = new ProblemMapper();

    private Problem problemFor(String body) {
        try {
            json.readValue(body, CreateVe.class);
        } catch (Exception e) {
            return mapper.toProblem(e, "/api/v1/ves");
        }
        throw new AssertionError("accepted: " + body);
    }

    @Test
    void unknownFieldNamesTheFieldAndTheKnownOnes() {
        Problem p = problemFor("{\"template\":\"busybox\",\"hostnme\":\"web1\"}");
        assertEquals(400, p.status());
        assertEquals("hostnme", p.errors().get(0).field());
        assertTrue(p.detail().contains("expected one of: hostname, limits, template"), p.detail());
    }

    @Test
    void wrongTypeNamesTheNestedField() {
        Problem p = problemFor("{\"template\":\"busybox\",\"limits\":{\"memoryMb\":\"lots\",\"cpus\":1}}");
        assertEquals("limits.memoryMb", p.errors().get(0).field());
        assertTrue(p.detail().contains("integer"), p.detail());
    }

    @Test
    void numbersAreNotSilentlyCoercedToStringsOrBack() {
        assertEquals("template", problemFor("{\"template\":42}").errors().get(0).field());
        assertEquals("limits.memoryMb", problemFor("{\"limits\":{\"memoryMb\":1.5,\"cpus\":1}}").errors().get(0).field());
        assertEquals("limits.memoryMb", problemFor("{\"limits\":{\"memoryMb\":99999999999,\"cpus\":1}}").errors().get(0).field());
    }

    @Test
    void malformedJsonSaysWhere() {
        Problem p = problemFor("{\"template\": busybox}");
        assertEquals(400, p.status());
        assertEquals("https://vessel.dev/problems/malformed-json", p.type());
        assertTrue(p.detail().contains("line 1, column"), p.detail());
    }

    @Test
    void trailingGarbageIsRefused() {
        assertEquals(400, problemFor("{\"template\":\"busybox\"} {}").status());
    }

    @Test
    void problemExceptionsPassThrough() {
        Problem p = mapper.toProblem(ProblemException.conflict("VE 101 is running; stop it first."), "/api/v1/ves/101");
        assertEquals(409, p.status());
        assertEquals("VE 101 is running; stop it first.", p.detail());
        assertEquals("/api/v1/ves/101", p.instance());
    }

    @Test
    void unexpectedErrorsHideTheirInsides() {
        Problem p = mapper.toProblem(new IllegalStateException("secret internal state at com.example.Foo"), "/api/v1/x");
        assertEquals(500, p.status());
        assertFalse(p.detail().contains("secret"), p.detail());
        assertTrue(p.detail().matches(".*reference [0-9a-f]{8}.*"), p.detail());
    }

    @Test
    void unknownRoute() {
        Problem p = mapper.toProblem(new NotFoundException(), "/api/v1/nope");
        assertEquals(404, p.status());
        assertEquals(List.of(), p.errors());
    }

    @Test
    void anEndpointNotInServiceWhileThePanelStartsIsUnavailableNotGone() {
        jakarta.ws.rs.core.Response starting = new ProblemMapper(() -> false).toResponse(new NotFoundException());
        assertEquals(503, starting.getStatus());
        assertEquals("1", String.valueOf(starting.getHeaderString("Retry-After")));
        assertEquals("https://vessel.dev/problems/starting", ((Problem) starting.getEntity()).type());
        assertEquals(404, new ProblemMapper(() -> true).toResponse(new NotFoundException()).getStatus());
    }
}
