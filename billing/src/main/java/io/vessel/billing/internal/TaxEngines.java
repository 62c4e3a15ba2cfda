package io.vessel.billing.internal;

import io.vessel.api.plugin.PluginCalls;
import io.vessel.billing.api.TaxEngine;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The tax engines plugins add ({@link TaxEngine}), by id. Billing asks the one a seller chose, on the plugin's own
 * threads with a time limit ({@link PluginCalls}), and checks what it answers; anything else — no such engine, a
 * failure, an overrun, a rate out of range — is a {@link TaxUndecided}, which keeps the document from being issued.
 */
@Component(service = TaxEngines.class)
public final class TaxEngines {

    static final Duration CALL_LIMIT = Duration.ofSeconds(5);

    /** The document's tax could not be decided now; it is billed by a later run. */
    static final class TaxUndecided extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TaxUndecided(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final PluginServices<TaxEngine> engines = new PluginServices<>(TaxEngine.ID, "tax engine");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PluginCalls calls;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addEngine(TaxEngine engine, Map<String, Object> properties) {
        engines.add(engine, properties);
    }

    void removeEngine(TaxEngine engine, Map<String, Object> properties) {
        engines.remove(engine);
    }

    /** The ids of the engines installed now. */
    List<String> ids() {
        return engines.all().stream().map(PluginServices.Registered::id).toList();
    }

    /** How the engine {@code id} taxes the document. */
    Taxes.Treatment decide(String id, TaxEngine.Request request) {
        PluginServices.Registered<TaxEngine> engine = engines.find(id)
                .orElseThrow(() -> new TaxUndecided("the tax engine " + id + " the seller chose is not installed", null));
        TaxEngine.Tax tax;
        try {
            tax = PluginServices.call(calls, engine, "tax engine " + id, CALL_LIMIT, () -> engine.service().decide(request));
        } catch (Exception e) {
            throw new TaxUndecided("the tax engine " + id + " failed: " + e, e);
        }
        if (tax == null) {
            throw new TaxUndecided("the tax engine " + id + " answered nothing", null);
        }
        BigDecimal rate = tax.ratePercent();
        if (rate != null && !Taxes.validRate(rate)) {
            throw new TaxUndecided("the tax engine " + id + " answered a rate of " + rate.toPlainString() + " % (from 0 to 100, at most 4 decimals)", null);
        }
        String name = tax.name() == null || tax.name().isBlank() ? null : tax.name().strip();
        if (rate != null && rate.signum() > 0 && name == null || name != null && name.length() > 100
                || tax.note() != null && tax.note().length() > 500) {
            throw new TaxUndecided("the tax engine " + id + " answered a tax without a name, or a name or note too long", null);
        }
        return new Taxes.Treatment(rate, name, tax.note() == null || tax.note().isBlank() ? null : tax.note().strip(), request.pricesIncludeTax());
    }
}
