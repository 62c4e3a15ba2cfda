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
 */
public record DebianTemplateRequest(String name, String suite, String variant, String mirror, List<String> packages,
                                    String description, String owner) {
}
