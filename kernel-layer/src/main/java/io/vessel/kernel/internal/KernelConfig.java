package io.vessel.kernel.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID {@code io.vessel.kernel} ({@code kernel.*} in vessel.conf). */
@ObjectClassDefinition(name = "Vessel kernel layer")
public @interface KernelConfig {

    String PID = "io.vessel.kernel";

    @AttributeDefinition(description = "A mounted btrfs file system to use as the storage pool; empty: a loop-mounted image under the data directory")
    String storage_path() default "";

    @AttributeDefinition(description = "Size of the pool image created on first start (sparse), e.g. 20G")
    String storage_size() default "20G";

    @AttributeDefinition(description = "OCI runtime: auto (crun on pure cgroup v2 hosts, runc elsewhere), runc or crun")
    String runtime() default "auto";

    @AttributeDefinition(description = "Static busybox used to build the built-in busybox template")
    String busybox() default "/bin/busybox";

    @AttributeDefinition(description = "Debian mirror for debootstrap templates; empty: the one this host's apt uses")
    String debian_mirror() default "";

    @AttributeDefinition(description = "Where debootstrap keeps the Debian packages it downloaded, so building a template again is quick; "
            + "empty: cache/debootstrap in the data directory")
    String debian_cache() default "";

    @AttributeDefinition(description = "Port of the node channel (TLS with the provider's own CA between the nodes of one installation; "
            + "opened only once another node shares the database; 0: any free port)")
    int node_channel_port() default 8444;

    @AttributeDefinition(description = "Host name or address other nodes reach this node's channel at; empty: this host's name")
    String node_channel_address() default "";

    @AttributeDefinition(description = "Database user a server joined with bin/vessel node join --with-panel (a panel too) is given; "
            + "empty: the panel's own (database.user). A node agent (the default of node join) always gets a role of its own, "
            + "limited to its own rows by row-level security.")
    String node_join_database_user() default "";

    @AttributeDefinition(description = "Password of node.join.database.user; empty with an empty user: the panel's own (database.password)",
            type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String node_join_database_password() default "";

    @AttributeDefinition(description = "Name of the host bridge VEs are connected to")
    String network_bridge() default "vsbr0";

    @AttributeDefinition(description = "Host interface joined to the VE bridge for BRIDGED pools (the provider's network); empty: none")
    String network_uplink() default "";

    @AttributeDefinition(description = "Networks VEs may never reach through the host (cloud metadata, link-local, the provider's "
            + "management networks), comma-separated; local-networks stands for the networks of the host's own interfaces")
    String network_deny() default "169.254.0.0/16, fe80::/10, fc00::/7, local-networks";

    @AttributeDefinition(description = "Whether VEs may connect to the panel's own port on the host (otherwise only DNS and ICMP)")
    boolean network_allow_panel() default false;

    @AttributeDefinition(description = "Seconds between two accounting samples of every running VE")
    int accounting_interval() default 10;

    @AttributeDefinition(description = "Largest template an imported tarball may unpack to, e.g. 16G")
    String template_max_size() default "16G";

    @AttributeDefinition(description = "Most output of each stream a command run through the exec API keeps, e.g. 1M (more is counted and "
            + "reported as truncated; streamed exec has no cap)")
    String exec_output_max() default "1M";

    @AttributeDefinition(description = "Most a VE's console log (what its init prints) keeps on the host, e.g. 1M; the oldest part is dropped")
    String console_log_max() default "1M";
}
