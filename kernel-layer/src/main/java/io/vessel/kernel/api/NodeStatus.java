package io.vessel.kernel.api;

/**
 * How a node is doing right now: what the admin dashboard shows and what placement will weigh.
 *
 * @param cpus                 processors the host offers
 * @param load1                load average over one minute (runnable tasks; compare with {@code cpus})
 * @param load5                over five minutes
 * @param load15               over fifteen minutes
 * @param memoryTotalBytes     the host's memory
 * @param memoryAvailableBytes memory the host can still hand out without swapping ({@code MemAvailable})
 * @param storageTotalBytes    size of the storage pool VEs and templates live in
 * @param storageFreeBytes     what is left of it
 * @param ves                  VEs placed on the node
 * @param runningVes           of those, the running ones
 * @param uptimeSeconds        since the host booted
 */
public record NodeStatus(int cpus, double load1, double load5, double load15, long memoryTotalBytes, long memoryAvailableBytes,
                         long storageTotalBytes, long storageFreeBytes, int ves, int runningVes, long uptimeSeconds) {
}
