package io.vessel.web.api;

import java.util.Map;

/**
 * Resources the REST API does not serve, and why, by the id of the bundle that registered them: endpoints that do
 * not declare who may call them, or a path another resource already has. Offered by the web bundle, so the plugin
 * list can say why a plugin's endpoints are missing.
 */
public interface ApiRefusals {

    Map<Long, String> refusedByBundle();
}
