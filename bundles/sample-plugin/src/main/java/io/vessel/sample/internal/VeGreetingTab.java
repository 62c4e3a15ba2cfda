package io.vessel.sample.internal;

import io.vessel.web.api.UiContribution;
import org.osgi.service.component.annotations.Component;

/** A tab on every VE's page in the customer portal (ui/ve-greeting.js). */
@Component(service = UiContribution.class, property = {
        UiContribution.PLACEMENT + "=" + UiContribution.VE_TAB,
        UiContribution.ID + "=ve-greeting",
        UiContribution.LABEL + "=Greeting",
        UiContribution.MODULE + "=ve-greeting.js"})
public final class VeGreetingTab implements UiContribution {
}
