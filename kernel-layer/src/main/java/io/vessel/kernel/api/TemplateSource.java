package io.vessel.kernel.api;

/** Where a template's file system came from. */
public enum TemplateSource {
    /** Made by Vessel itself (the busybox template). */
    BUILTIN,
    /** Built with {@code debootstrap} from a Debian mirror. */
    DEBOOTSTRAP,
    /** Imported from a root file system tarball. */
    TARBALL
}
