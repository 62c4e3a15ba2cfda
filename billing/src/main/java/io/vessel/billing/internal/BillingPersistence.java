package io.vessel.billing.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Billing's tables (migrations in {@code db/migration/billing}). */
@Component(service = PersistenceContribution.class)
public final class BillingPersistence implements PersistenceContribution {

    static final String MODULE = "billing";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 80;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(PlanEntity.class, PlanVersionEntity.class, AccountEntity.class, SubscriptionEntity.class, InvoiceEntity.class,
                InvoiceLineEntity.class, PaymentEntity.class, AllocationEntity.class,
                SellerEntity.class, TaxRateEntity.class, SuspensionEntity.class,
                UsageMarkEntity.class, GatewayPaymentEntity.class, GatewayEventEntity.class, RefundEntity.class, ResellerTermsEntity.class,
                VeUsageMarkEntity.class, UsageEventEntity.class, MeterPeriodEntity.class, TrafficActionEntity.class, UsageAlertEntity.class, GatewayCredentialsEntity.class,
                RunEntity.class, DocumentEntity.class, OrderEntity.class, ProvisionedServiceEntity.class);
    }
}
