package io.vessel.api.platform;

/**
 * Marker service a node agent (a process with {@code server.role = node-agent}: the kernel layer without the web tier)
 * registers once its VEs are reconciled and its node channel serves. The launcher waits for it instead of
 * {@link PanelReady}; the service property {@code vessel.channel.url} names where the channel listens.
 */
public interface NodeAgentReady {

    /** Where the panels reach this node, e.g. {@code https://10.0.0.2:9443}. */
    String channelUrl();
}
