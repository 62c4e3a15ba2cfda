package io.vessel.identity.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The identity tables. */
@Component(service = PersistenceContribution.class)
public final class IdentityPersistence implements PersistenceContribution {

    static final String MODULE = "identity";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(AccountEntity.class, SessionEntity.class, TenantEntity.class, CustomRoleEntity.class, TokenEntity.class,
                RecoveryCodeEntity.class, PasswordResetEntity.class, AuditEventEntity.class, LoginLinkEntity.class,
                LoginFailureEntity.class, CredentialGenerationEntity.class);
    }
}
