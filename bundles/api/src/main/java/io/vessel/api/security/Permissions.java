package io.vessel.api.security;

/** Names of the permissions the core declares. Plugins declare their own, prefixed with their name. */
public final class Permissions {

    /** What every logged-in account may do to itself: its profile, password, 2FA, tokens, security log. */
    public static final String SELF = "self";

    public static final String VE_READ = "ve.read";
    public static final String VE_CREATE = "ve.create";
    /** Start, stop, restart, hard stop, suspend, resume. */
    public static final String VE_POWER = "ve.power";
    /** Run commands and open the console. */
    public static final String VE_EXEC = "ve.exec";
    public static final String VE_REINSTALL = "ve.reinstall";
    /** Hostname and root password. */
    public static final String VE_CONFIGURE = "ve.configure";
    /** Resource limits and placement: admins only. */
    public static final String VE_LIMITS = "ve.limits";
    /** IP addresses and port forwards. */
    public static final String VE_NETWORK = "ve.network";
    public static final String VE_DELETE = "ve.delete";

    public static final String TEMPLATE_READ = "template.read";
    public static final String TEMPLATE_MANAGE = "template.manage";
    public static final String IPPOOL_READ = "ippool.read";
    public static final String IPPOOL_MANAGE = "ippool.manage";
    public static final String NODE_READ = "node.read";
    /** A node's labels and overcommit ratios: what placement weighs. */
    public static final String NODE_MANAGE = "node.manage";
    public static final String OPERATION_READ = "operation.read";

    public static final String TENANT_READ = "tenant.read";
    public static final String TENANT_MANAGE = "tenant.manage";
    public static final String ACCOUNT_READ = "account.read";
    public static final String ACCOUNT_MANAGE = "account.manage";
    public static final String ROLE_READ = "role.read";
    public static final String ROLE_MANAGE = "role.manage";
    public static final String IMPERSONATE = "account.impersonate";
    public static final String AUDIT_READ = "audit.read";
    public static final String METRICS_READ = "metrics.read";
    /** A tenant's webhooks: make, list, delete, see deliveries. */
    public static final String WEBHOOK_MANAGE = "webhook.manage";
    /** The plans a seller (the provider, a reseller) offers. */
    public static final String BILLING_PLAN_READ = "billing.plan.read";
    public static final String BILLING_PLAN_MANAGE = "billing.plan.manage";
    /** A tenant's billing account (currency, anchor day, tax location, balance) and its invoices. */
    public static final String BILLING_ACCOUNT_READ = "billing.account.read";
    public static final String BILLING_ACCOUNT_MANAGE = "billing.account.manage";
    /** A tenant's subscriptions to plans. */
    public static final String BILLING_SUBSCRIPTION_READ = "billing.subscription.read";
    public static final String BILLING_SUBSCRIPTION_MANAGE = "billing.subscription.manage";
    /** Paying a billing account's invoices or topping up its balance through a payment gateway. */
    public static final String BILLING_PAY = "billing.pay";
    /** A customer ordering for itself: a VE on a plan its seller offers, another plan, a cancellation. */
    public static final String BILLING_ORDER = "billing.order";
    /** A customer's own spending limit. */
    public static final String BILLING_SPENDING_LIMIT = "billing.spending-limit";
    /** Billing's clock (moving it needs billing.test.clock = true): the provider's administrators only. */
    public static final String BILLING_CLOCK = "billing.clock";

    /**
     * An external billing system (WHMCS, Blesta, HostBill…) driving the panel as its server module: making,
     * suspending, changing and terminating its customers' services, their login links and usage. @since 1.6
     */
    public static final String PROVISIONING = "provisioning";

    /** A VE's backups: list them, browse their files. @since 1.7 */
    public static final String BACKUP_READ = "backup.read";
    /** Make and delete a VE's backups. @since 1.7 */
    public static final String BACKUP_MANAGE = "backup.manage";
    /** Restore a VE, or files of it, from its backups. @since 1.7 */
    public static final String BACKUP_RESTORE = "backup.restore";
    /** Where backups go (targets, their health and free space): the provider's business. @since 1.7 */
    public static final String BACKUP_TARGETS = "backup.targets";

    private Permissions() {
    }
}
