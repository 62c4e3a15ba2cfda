package io.vessel.api.platform;

import java.util.Optional;

/**
 * The process at the other end of a request that came through the panel's Unix domain socket on the host rather than
 * over the network, as the kernel reported it for the connection ({@code SO_PEERCRED}). The socket's connector stores
 * it in the request attribute {@link #ATTRIBUTE}; no header or parameter can set it. Root on the host is the
 * provider's administrator without a token ({@link #HOST_ROOT} in the audit log); any other user still authenticates
 * as over the network.
 *
 * @param user the peer's user name as the host knows it (or its number when it has none)
 * @param root whether the peer runs as user id 0 on the host
 */
public record LocalPeer(String user, boolean root) {

    /** Request attribute holding a {@link LocalPeer}, present only on requests through the local socket. */
    public static final String ATTRIBUTE = "io.vessel.localPeer";

    /** The account name root on the host acts under, as audit entries show it. */
    public static final String HOST_ROOT = "root@host";

    /**
     * {@code SecurityContext.getAuthenticationScheme()} of a request made by root on the host through the local socket:
     * who already holds the machine, so confirmations meant to keep a stolen session from taking it (a second factor
     * before installing code that runs as root) do not apply.
     */
    public static final String HOST_ROOT_SCHEME = "LocalPeer";

    /** The local peer of a request, from its attribute value; empty when it came over the network. */
    public static Optional<LocalPeer> of(Object attribute) {
        return attribute instanceof LocalPeer peer ? Optional.of(peer) : Optional.empty();
    }
}
