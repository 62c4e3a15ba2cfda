package io.vessel.kernel.api;

/**
 * A port of the host forwarded to a VE with an address from a NAT pool.
 *
 * @param protocol {@code tcp} or {@code udp}
 * @param hostPort the port on every address of the host
 * @param address  the VE's address traffic is sent to
 * @param port     the VE's port
 */
public record PortForward(String protocol, int hostPort, int veId, String address, int port) {
}
