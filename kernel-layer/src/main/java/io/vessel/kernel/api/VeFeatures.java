package io.vessel.kernel.api;

/**
 * What a VE may do beyond a standard server, granted by the provider (a customer cannot grant them to itself). They
 * take effect at the VE's next start.
 *
 * @param nesting containers inside the VE (Docker, Podman): the VE's root gets {@code CAP_SYS_ADMIN} within the VE's
 *                own user namespace and may divide its cgroup among its containers, never anything on the host. Only
 *                for unprivileged VEs. Null in a change: as it is.
 */
public record VeFeatures(Boolean nesting) {

    public static final VeFeatures NONE = new VeFeatures(false);

    /** These features with every null filled from {@code base}. */
    public VeFeatures over(VeFeatures base) {
        return new VeFeatures(nesting != null ? nesting : base.nesting);
    }

    public boolean nestingGranted() {
        return Boolean.TRUE.equals(nesting);
    }
}
