package io.vessel.kernel.api;

import java.time.Instant;

/**
 * One immutable version of an OS template. Building or importing the same name again makes a new version; VEs
 * are created from the newest ready version unless a version is named ({@code debian-12@2}).
 *
 * @param name        what users type, e.g. {@code debian-12}
 * @param version     1, 2, ... per name
 * @param source      where the file system came from
 * @param origin      the details of the source: suite and mirror, or the imported file's name
 * @param osName      the system's own name for itself ({@code PRETTY_NAME} of {@code /etc/os-release})
 * @param init        the program the VE starts as PID 1
 * @param sizeBytes   bytes the template's files take in the pool, once ready
 * @param retired     no new VEs are created from it; VEs already made from it are unaffected
 * @param vesUsing    VEs created from this version (it cannot be deleted while any exist)
 * @param error       why the build failed, in words
 * @param owner       the tenant a private template belongs to; null for templates every tenant may use
 * @param initSystem  what {@code init} is: {@code vessel} (Vessel's own), {@code systemd} or {@code other}; null until built
 * @param systemdVersion systemd's version for {@code systemd} (252 in Debian 12), when it could be told
 */
public record Template(String name, int version, TemplateSource source, TemplateState state, String description,
                       String origin, String osName, String init, Long sizeBytes, boolean retired, long vesUsing,
                       String error, Instant createdAt, Instant updatedAt, String owner, String initSystem,
                       Integer systemdVersion) {

    /** A template whose init is not known yet (as before 2.3). */
    public Template(String name, int version, TemplateSource source, TemplateState state, String description,
                    String origin, String osName, String init, Long sizeBytes, boolean retired, long vesUsing,
                    String error, Instant createdAt, Instant updatedAt, String owner) {
        this(name, version, source, state, description, origin, osName, init, sizeBytes, retired, vesUsing, error, createdAt,
                updatedAt, owner, null, null);
    }

    /** {@code name@version}: the reference a VE keeps. */
    public String reference() {
        return name + "@" + version;
    }
}
