package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A service an external billing system ordered (see {@link ProvisioningResource}). */
@Entity(name = "BillingProvisionedService")
@Table(name = "billing_provisioned_service")
public class ProvisionedServiceEntity {

    static final String PROVISIONING = "PROVISIONING";
    static final String ACTIVE = "ACTIVE";
    static final String SUSPENDED = "SUSPENDED";
    static final String FAILED = "FAILED";
    static final String TERMINATING = "TERMINATING";
    static final String TERMINATED = "TERMINATED";

    @Id
    UUID id;
    @Column(name = "seller_tenant")
    UUID sellerTenant;
    /** The service's id in the external system (WHMCS: the service id), unique per seller. */
    @Column(name = "external_id")
    String externalId;
    /** The external system's customer: its services share one Vessel customer (tenant and owner account). */
    @Column(name = "client_id")
    String clientId;
    @Column(name = "customer_name")
    String customerName;
    String email;
    String username;
    @Column(name = "plan_id")
    UUID planId;
    String template;
    String hostname;
    @Column(name = "ip_pool")
    String ipPool;
    @Column(name = "tenant_id")
    UUID tenantId;
    @Column(name = "account_id")
    UUID accountId;
    /** Whether this service made its tenant and owner account (so a failed create takes them back). */
    @Column(name = "tenant_made")
    boolean tenantMade;
    @Column(name = "subscription_id")
    UUID subscriptionId;
    @Column(name = "ve_id")
    Integer veId;
    @Column(name = "operation_id")
    UUID operationId;
    String state;
    String error;
    @Column(name = "suspend_reason")
    String suspendReason;
    /** Whether the VE ran when the service was suspended (it runs again when unsuspended). */
    @Column(name = "resume_on_unsuspend")
    boolean resumeOnUnsuspend;
    /**
     * A password the panel generated (the request sent none), kept only until the service is first read: a create
     * whose answer was lost is sent again and must still deliver it.
     */
    @Column(name = "pending_password")
    String pendingPassword;
    @Column(name = "created_by")
    String createdBy;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "updated_at")
    Instant updatedAt;

    protected ProvisionedServiceEntity() {
    }

    ProvisionedServiceEntity(UUID sellerTenant, String externalId, String clientId, String customerName, String email, String username,
                             UUID planId, String template, String hostname, String ipPool, String createdBy, Instant now) {
        this.id = UUID.randomUUID();
        this.sellerTenant = sellerTenant;
        this.externalId = externalId;
        this.clientId = clientId;
        this.customerName = customerName;
        this.email = email;
        this.username = username;
        this.planId = planId;
        this.template = template;
        this.hostname = hostname;
        this.ipPool = ipPool;
        this.state = PROVISIONING;
        this.createdBy = createdBy;
        this.createdAt = now;
        this.updatedAt = now;
    }
}
