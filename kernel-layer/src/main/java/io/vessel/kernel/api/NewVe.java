package io.vessel.kernel.api;

/**
 * What it takes to create a VE; everything but the template is optional.
 *
 * @param node   the node to make it on, by id or (when only one node has it) host name; null: placement chooses (2.12)
 * @param labels what the chosen node must be labelled with, e.g. {@code disk=ssd}; null or empty: any (2.12)
 * @param ipPool the pool its first address comes from: placement keeps it to nodes that pool reaches (2.14)
 */
public record NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged,
                    VeLimits limits, VeFeatures features, String node, java.util.Map<String, String> labels, String ipPool) {

    /** A VE placed without regard to an IP pool (as before 2.14). */
    public NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged,
                 VeLimits limits, VeFeatures features, String node, java.util.Map<String, String> labels) {
        this(template, id, name, hostname, owner, privileged, limits, features, node, labels, null);
    }

    /** A VE placed wherever it fits (as before 2.12, when that was always the node asked). */
    public NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged,
                 VeLimits limits, VeFeatures features) {
        this(template, id, name, hostname, owner, privileged, limits, features, null, null, null);
    }

    /** A VE without features (as before 2.3). */
    public NewVe(String template, Integer id, String name, String hostname, String owner, Boolean privileged, VeLimits limits) {
        this(template, id, name, hostname, owner, privileged, limits, null, null, null, null);
    }
}
