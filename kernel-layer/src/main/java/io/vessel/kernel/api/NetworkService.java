package io.vessel.kernel.api;

import java.util.List;
import java.util.Optional;

/**
 * IP pools and the addresses VEs hold. An address is never handed out twice, also under concurrent requests; a
 * VE's addresses are configured on its interface when it starts and released when it is destroyed.
 */
public interface NetworkService {

    List<IpPool> pools();

    Optional<IpPool> pool(String name);

    IpPool createPool(NewIpPool request);

    /** Refused (CONFLICT) while any of its addresses is held by a VE. */
    void deletePool(String name);

    /** The next free address of {@code pool}, or {@code address} if given (UNPROCESSABLE when outside the pool, CONFLICT when taken or the pool is full). */
    IpAssignment allocate(int veId, String pool, String address);

    void release(int veId, String address);

    List<IpAssignment> addresses(int veId);

    List<PortForward> forwards(int veId);

    /**
     * Forwards {@code hostPort} of the host to {@code port} of the VE's IPv4 address from a NAT pool. CONFLICT when the
     * host port is forwarded already; UNPROCESSABLE when the VE has no such address.
     */
    PortForward forward(int veId, String protocol, int hostPort, int port);

    void removeForward(int veId, String protocol, int hostPort);
}
