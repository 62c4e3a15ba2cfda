package io.vessel.identity.internal;

import static io.vessel.api.security.Permissions.ACCOUNT_MANAGE;
import static io.vessel.api.security.Permissions.ACCOUNT_READ;
import static io.vessel.api.security.Permissions.AUDIT_READ;
import static io.vessel.api.security.Permissions.IMPERSONATE;
import static io.vessel.api.security.Permissions.IPPOOL_READ;
import static io.vessel.api.security.Permissions.METRICS_READ;
import static io.vessel.api.security.Permissions.NODE_READ;
import static io.vessel.api.security.Permissions.OPERATION_READ;
import static io.vessel.api.security.Permissions.ROLE_MANAGE;
import static io.vessel.api.security.Permissions.ROLE_READ;
import static io.vessel.api.security.Permissions.SELF;
import static io.vessel.api.security.Permissions.TEMPLATE_READ;
import static io.vessel.api.security.Permissions.TENANT_MANAGE;
import static io.vessel.api.security.Permissions.TENANT_READ;
import static io.vessel.api.security.Permissions.VE_CONFIGURE;
import static io.vessel.api.security.Permissions.VE_CREATE;
import static io.vessel.api.security.Permissions.VE_DELETE;
import static io.vessel.api.security.Permissions.VE_EXEC;
import static io.vessel.api.security.Permissions.VE_LIMITS;
import static io.vessel.api.security.Permissions.VE_NETWORK;
import static io.vessel.api.security.Permissions.VE_POWER;
import static io.vessel.api.security.Permissions.VE_READ;
import static io.vessel.api.security.Permissions.WEBHOOK_MANAGE;
import static io.vessel.api.security.Permissions.BILLING_PLAN_MANAGE;
import static io.vessel.api.security.Permissions.BILLING_PLAN_READ;
import static io.vessel.api.security.Permissions.BILLING_ACCOUNT_MANAGE;
import static io.vessel.api.security.Permissions.BILLING_ACCOUNT_READ;
import static io.vessel.api.security.Permissions.BILLING_SUBSCRIPTION_MANAGE;
import static io.vessel.api.security.Permissions.BILLING_SUBSCRIPTION_READ;
import static io.vessel.api.security.Permissions.BACKUP_MANAGE;
import static io.vessel.api.security.Permissions.BACKUP_READ;
import static io.vessel.api.security.Permissions.BACKUP_RESTORE;
import static io.vessel.api.security.Permissions.BILLING_PAY;
import static io.vessel.api.security.Permissions.BILLING_ORDER;
import static io.vessel.api.security.Permissions.PROVISIONING;
import static io.vessel.api.security.Permissions.BILLING_SPENDING_LIMIT;
import static io.vessel.api.security.Permissions.VE_REINSTALL;

import io.vessel.identity.api.TenantKind;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The roles every installation has. A role is only given to accounts of the tenant kinds it is made for (a
 * customer cannot hold reseller-admin). {@code *} means every permission, including those plugins declare.
 */
enum BuiltInRole {

    PROVIDER_ADMIN("provider-admin", EnumSet.of(TenantKind.PROVIDER), Set.of("*")),
    RESELLER_ADMIN("reseller-admin", EnumSet.of(TenantKind.RESELLER), Set.of(SELF, TENANT_READ, TENANT_MANAGE, ACCOUNT_READ,
            ACCOUNT_MANAGE, ROLE_READ, ROLE_MANAGE, IMPERSONATE, AUDIT_READ, VE_READ, VE_CREATE, VE_POWER, VE_EXEC, VE_REINSTALL,
            VE_CONFIGURE, VE_LIMITS, VE_NETWORK, VE_DELETE, TEMPLATE_READ, IPPOOL_READ, OPERATION_READ, WEBHOOK_MANAGE, BILLING_PLAN_READ,
            BILLING_PLAN_MANAGE, BILLING_ACCOUNT_READ, BILLING_ACCOUNT_MANAGE, BILLING_SUBSCRIPTION_READ, BILLING_SUBSCRIPTION_MANAGE,
            BILLING_SPENDING_LIMIT, BILLING_PAY, BILLING_ORDER, PROVISIONING, BACKUP_READ, BACKUP_MANAGE, BACKUP_RESTORE)),
    CUSTOMER_OWNER("customer-owner", EnumSet.of(TenantKind.CUSTOMER), Set.of(SELF, TENANT_READ, ACCOUNT_READ, ACCOUNT_MANAGE, ROLE_READ,
            ROLE_MANAGE, VE_READ, VE_POWER, VE_EXEC, VE_REINSTALL, VE_CONFIGURE, TEMPLATE_READ, OPERATION_READ, WEBHOOK_MANAGE,
            BILLING_ACCOUNT_READ, BILLING_SUBSCRIPTION_READ, BILLING_SPENDING_LIMIT, BILLING_PAY, BILLING_ORDER, BACKUP_READ, BACKUP_MANAGE,
            BACKUP_RESTORE)),
    CUSTOMER_MEMBER("customer-member", EnumSet.of(TenantKind.CUSTOMER), Set.of(SELF, VE_READ, VE_POWER, VE_EXEC, TEMPLATE_READ,
            OPERATION_READ, BACKUP_READ)),
    AUDITOR("auditor", EnumSet.allOf(TenantKind.class), Set.of(SELF, TENANT_READ, ACCOUNT_READ, ROLE_READ, AUDIT_READ, VE_READ,
            TEMPLATE_READ, IPPOOL_READ, NODE_READ, OPERATION_READ, METRICS_READ, BILLING_PLAN_READ,
            BILLING_ACCOUNT_READ, BILLING_SUBSCRIPTION_READ, BACKUP_READ));

    static final String ALL = "*";

    final String roleName;
    final Set<TenantKind> kinds;
    final Set<String> permissions;

    BuiltInRole(String roleName, Set<TenantKind> kinds, Set<String> permissions) {
        this.roleName = roleName;
        this.kinds = kinds;
        this.permissions = permissions;
    }

    static Optional<BuiltInRole> named(String name) {
        for (BuiltInRole role : values()) {
            if (role.roleName.equals(name)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
