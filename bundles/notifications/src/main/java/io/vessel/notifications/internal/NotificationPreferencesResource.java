package io.vessel.notifications.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code /api/v1/me/notifications}: which events reach the caller by e-mail. */
@Component(service = NotificationPreferencesResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("me/notifications")
@Produces(MediaType.APPLICATION_JSON)
public final class NotificationPreferencesResource {

    /** Each known event, whether the caller gets it by e-mail now, and the caller's own choices (patterns too). */
    public record Preferences(List<Choice> events, Map<String, Boolean> choices) {
    }

    /** One event. */
    public record Choice(String event, String description, boolean email) {
    }

    /** Body of {@code PUT}: event or pattern → true, false, or null (back to the default). */
    public record Change(Map<String, Boolean> choices) {
    }

    private final NotificationPreferences preferences;

    @Activate
    public NotificationPreferencesResource(@Reference NotificationPreferences preferences) {
        this.preferences = preferences;
    }

    @GET
    @RequiresPermission(Permissions.SELF)
    public Preferences myNotifications(@Context SecurityContext security) {
        return view(UUID.fromString(Caller.of(security).accountId()), Caller.of(security).sees(null));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.SELF)
    public Preferences changeMyNotifications(Change body, @Context SecurityContext security) {
        if (body == null || body.choices() == null) {
            throw ProblemException.invalid("Send {\"choices\": {\"ve.*\": true}}.", List.of(new Problem.FieldError("choices", "required")));
        }
        for (String event : body.choices().keySet()) {
            if (!event.matches("\\*|[a-z][a-z0-9-]*(\\.[a-z0-9-]+)*(\\.\\*)?") || event.length() > 200) {
                throw ProblemException.invalid("'" + event + "' is not an event name or pattern (ve.stopped, ve.*, *).",
                        List.of(new Problem.FieldError("choices." + event, "an event name or pattern")));
            }
        }
        Caller caller = Caller.of(security);
        UUID account = UUID.fromString(caller.accountId());
        preferences.choose(account, body.choices());
        return view(account, caller.sees(null));
    }

    private Preferences view(UUID account, boolean provider) {
        List<Choice> events = NotificationPreferences.KINDS.stream()
                .filter(k -> provider || !k.event().startsWith("plugin."))
                .map(k -> new Choice(k.event(), k.description(), preferences.mailed(account, k.event(), k.emailByDefault()))).toList();
        return new Preferences(events, preferences.choices(account));
    }
}
