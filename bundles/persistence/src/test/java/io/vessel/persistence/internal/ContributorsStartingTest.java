package io.vessel.persistence.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** When a started bundle's share of the database mapping can be counted on being registered. */
class ContributorsStartingTest {

    @Test
    void aBundleWithoutComponentsIsSettledAsSoonAsItIsActive() {
        assertTrue(ContributorsStarting.componentsSettled(null, bundle(false)));
    }

    @Test
    void aBundleDeclarativeServicesHasNotReadYetIsNotSettled() {
        assertFalse(ContributorsStarting.componentsSettled(scr(Map.of()), bundle(true)));
        assertFalse(ContributorsStarting.componentsSettled(null, bundle(true)));
    }

    @Test
    void aComponentNotYetEnabledOrStillActivatingHoldsTheBoot() {
        assertFalse(ContributorsStarting.componentsSettled(scr(Map.of(description("contribution", false), List.of())), bundle(true)));
        assertFalse(ContributorsStarting.componentsSettled(
                scr(Map.of(description("role", true), List.of(ComponentConfigurationDTO.SATISFIED))), bundle(true)));
    }

    @Test
    void registeredActiveOrWaitingComponentsAreSettled() {
        assertTrue(ContributorsStarting.componentsSettled(scr(Map.of(
                description("contribution", false), List.of(ComponentConfigurationDTO.SATISFIED),
                description("role", true), List.of(ComponentConfigurationDTO.ACTIVE),
                description("needs-database", true), List.of(ComponentConfigurationDTO.UNSATISFIED_REFERENCE),
                description("broken", true), List.of(ComponentConfigurationDTO.FAILED_ACTIVATION))), bundle(true)));
    }

    @Test
    void aComponentWaitingForItsConfigurationIsNotWaitedFor() {
        ComponentDescriptionDTO configured = description("configured", true);
        configured.configurationPolicy = "require";
        assertTrue(ContributorsStarting.componentsSettled(scr(Map.of(configured, List.of())), bundle(true)));
    }

    private static ComponentDescriptionDTO description(String name, boolean immediate) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = name;
        d.immediate = immediate;
        d.defaultEnabled = true;
        d.configurationPolicy = "optional";
        return d;
    }

    private static Bundle bundle(boolean withComponents) {
        Hashtable<String, String> headers = new Hashtable<>();
        if (withComponents) {
            headers.put("Service-Component", "OSGI-INF/x.xml");
        }
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getHeaders") ? headers : null);
    }

    private static ServiceComponentRuntime scr(Map<ComponentDescriptionDTO, List<Integer>> states) {
        return (ServiceComponentRuntime) Proxy.newProxyInstance(ServiceComponentRuntime.class.getClassLoader(),
                new Class<?>[] {ServiceComponentRuntime.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getComponentDescriptionDTOs" -> states.keySet();
                    case "getComponentConfigurationDTOs" -> states.get((ComponentDescriptionDTO) args[0]).stream().map(state -> {
                        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
                        c.state = state;
                        return c;
                    }).toList();
                    default -> null;
                });
    }
}
