package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/billing/tax-settings}: the caller's own (its tenant's) tax settings as a seller — country, tax id,
 * whether its prices include tax — and its rates per customer country and region, or the tax engine plugin that
 * decides instead. {@code PUT} replaces them whole.
 */
@Component(service = TaxSettingsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("billing/tax-settings")
@Produces(MediaType.APPLICATION_JSON)
public final class TaxSettingsResource {

    public record Rate(String country, String region, String rate, String name) {
    }

    /**
     * {@code engine}: the id of a tax engine plugin that taxes the seller's documents instead of {@code rates} (null:
     * the rates). {@code prepaidTax}: {@code AT_USE} (default: the invoices prepaid credit pays carry the tax) or
     * {@code AT_TOP_UP} (a prepayment invoice documents each top-up with its tax).
     */
    public record TaxSettings(String country, String taxId, Boolean pricesIncludeTax, List<Rate> rates, String engine, String prepaidTax) {
    }

    /** ISO 3166 country codes, as accounts and tax rates name countries. */
    static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    private final Database database;
    private final TaxEngines engines;

    @Activate
    public TaxSettingsResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                               @Reference TaxEngines engines) {
        this.database = database;
        this.engines = engines;
    }

    @GET
    @RequiresPermission(PlansResource.READ)
    public TaxSettings getTaxSettings(@Context SecurityContext security) {
        UUID seller = UUID.fromString(Caller.of(security).tenantId());
        return database.inTransaction(em -> view(em, seller));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(PlansResource.MANAGE)
    public TaxSettings putTaxSettings(TaxSettings body, @Context SecurityContext security) {
        UUID seller = UUID.fromString(Caller.of(security).tenantId());
        TaxSettings r = body == null ? new TaxSettings(null, null, null, null, null, null) : body;
        List<Problem.FieldError> errors = new ArrayList<>();
        String country = r.country() == null ? null : r.country().strip().toUpperCase(Locale.ROOT);
        if (country != null && !COUNTRIES.contains(country)) {
            errors.add(new Problem.FieldError("country", "an ISO 3166 country code such as DE"));
        }
        if (r.taxId() != null && r.taxId().length() > 64) {
            errors.add(new Problem.FieldError("taxId", "at most 64 characters"));
        }
        String engine = r.engine() == null || r.engine().isBlank() ? null : r.engine().strip();
        if (engine != null && !engines.ids().contains(engine)) {
            errors.add(new Problem.FieldError("engine", engines.ids().isEmpty() ? "no tax engine plugin is installed"
                    : "one of the installed tax engines " + engines.ids()));
        }
        String prepaidTax = r.prepaidTax() == null || r.prepaidTax().isBlank() ? SellerEntity.AT_USE : r.prepaidTax().strip().toUpperCase(Locale.ROOT);
        if (!prepaidTax.equals(SellerEntity.AT_USE) && !prepaidTax.equals(SellerEntity.AT_TOP_UP)) {
            errors.add(new Problem.FieldError("prepaidTax", "AT_USE (the invoices prepaid credit pays carry the tax) or AT_TOP_UP (a prepayment invoice"
                    + " documents each top-up with its tax)"));
        } else if (prepaidTax.equals(SellerEntity.AT_TOP_UP) && engine != null) {
            // a top-up is documented inside the payment's transaction; a plugin is never called there (it may hang)
            errors.add(new Problem.FieldError("prepaidTax", "AT_TOP_UP needs the seller's own rates; with a tax engine prepaid credit is taxed at use"));
        }
        List<TaxRateEntity> rates = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Rate> given = r.rates() == null ? List.of() : r.rates();
        for (int i = 0; i < given.size(); i++) {
            Rate rate = given.get(i);
            String at = "rates[" + i + "]";
            String c = rate == null || rate.country() == null ? "" : rate.country().strip().toUpperCase(Locale.ROOT);
            if (!COUNTRIES.contains(c)) {
                errors.add(new Problem.FieldError(at + ".country", "an ISO 3166 country code such as DE"));
                continue;
            }
            String region = rate.region() == null || rate.region().isBlank() ? null : rate.region().strip();
            if (!seen.add(c + "/" + (region == null ? "" : region.toLowerCase(Locale.ROOT)))) {
                errors.add(new Problem.FieldError(at + ".country", c + (region == null ? "" : "/" + region) + " has a rate already"));
            }
            BigDecimal percent = null;
            try {
                percent = new BigDecimal(rate.rate() == null ? "" : rate.rate().strip());
            } catch (NumberFormatException e) {
                errors.add(new Problem.FieldError(at + ".rate", "a percentage as a decimal string, such as \"19\" or \"7.7\""));
            }
            if (percent != null && !Taxes.validRate(percent)) {
                errors.add(new Problem.FieldError(at + ".rate", "from 0 to 100, at most 4 decimals"));
            }
            String name = rate.name() == null ? "" : rate.name().strip();
            if (name.isEmpty() || name.length() > 100) {
                errors.add(new Problem.FieldError(at + ".name", "required (e.g. \"VAT 19%\"), at most 100 characters"));
            }
            if (percent != null) {
                rates.add(new TaxRateEntity(seller, c, region, percent, name));
            }
        }
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The tax settings are not valid.", errors);
        }
        return database.inTransaction(em -> {
            SellerEntity settings = SellerEntity.of(em, seller);
            settings.country = country;
            settings.taxId = r.taxId() == null || r.taxId().isBlank() ? null : r.taxId().strip();
            settings.pricesIncludeTax = Boolean.TRUE.equals(r.pricesIncludeTax());
            settings.taxEngine = engine;
            settings.prepaidTax = prepaidTax;
            em.createQuery("delete from BillingTaxRate r where r.sellerTenant = :s").setParameter("s", seller).executeUpdate();
            rates.forEach(em::persist);
            em.flush();
            return view(em, seller);
        });
    }

    private static TaxSettings view(jakarta.persistence.EntityManager em, UUID seller) {
        SellerEntity s = em.find(SellerEntity.class, seller);
        List<Rate> rates = em.createQuery("select r from BillingTaxRate r where r.sellerTenant = :s order by r.country, r.region", TaxRateEntity.class)
                .setParameter("s", seller).getResultList().stream()
                .map(r -> new Rate(r.country, r.region, r.rate.stripTrailingZeros().toPlainString(), r.name)).toList();
        return s == null ? new TaxSettings(null, null, false, rates, null, SellerEntity.AT_USE)
                : new TaxSettings(s.country, s.taxId, s.pricesIncludeTax, rates, s.taxEngine, s.prepaidTax);
    }
}
