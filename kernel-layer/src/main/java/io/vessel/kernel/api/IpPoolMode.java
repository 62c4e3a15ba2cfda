package io.vessel.kernel.api;

/** How the VEs of an IP pool reach the world. */
public enum IpPoolMode {
    /** Public addresses; the VE bridge is joined to the provider's network and the gateway is the provider's router. */
    BRIDGED,
    /** Private addresses behind the host: the host is the gateway and masquerades outgoing traffic. */
    NAT
}
