package io.vessel.kernel.api;

import java.util.List;

/**
 * A Debian template to build with {@code debootstrap}.
 *
 * @param name        template name; a new version when it exists already
 * @param suite       e.g. {@code bookworm}
 * @param variant     {@code minbase} (default) or {@code buildd}; {@code default} for debootstrap's own default set
 * @param mirror      a Debian mirror URL; default: the one this host's apt uses, or {@code kernel.debian.mirror}
 * @param packages    extra packages to include
 * @param description shown to users choosing a template
 * @param owner       the tenant a private template is for; null for one every tenant may use
 * @param init        {@code systemd} (default: the system boots as a Debian server does, with systemd, D-Bus and
 *                    procps added) or {@code vessel} (Vessel's small init starting {@code /etc/rc2.d}; fewer packages)
 */
public record DebianTemplateRequest(String name, String suite, String variant, String mirror, List<String> packages,
                                    String description, String owner, String init) {

    public static final String INIT_SYSTEMD = "systemd";
    public static final String INIT_VESSEL = "vessel";

    /** A request for the default init (as before 2.3). */
    public DebianTemplateRequest(String name, String suite, String variant, String mirror, List<String> packages,
                                 String description, String owner) {
        this(name, suite, variant, mirror, packages, description, owner, null);
    }
}
