package io.vessel.sample.internal;

import io.vessel.web.api.UiContribution;
import org.osgi.service.component.annotations.Component;

/** A page in the admin panel's menu (ui/greetings.js), for those who may read greetings. */
@Component(service = UiContribution.class, property = {
        UiContribution.PLACEMENT + "=" + UiContribution.ADMIN,
        UiContribution.ID + "=greetings",
        UiContribution.LABEL + "=Greetings",
        UiContribution.PERMISSION + "=sample.read",
        UiContribution.MODULE + "=greetings.js"})
public final class GreetingsPage implements UiContribution {
}
