package io.vessel.kernel.api;

import java.time.Instant;

/** An address of a pool held by a VE. */
public record IpAssignment(String address, String pool, int prefixLength, String gateway, int veId, Instant allocatedAt) {
}
