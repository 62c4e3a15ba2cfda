package io.vessel.plugins.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.felix.utils.resource.CapabilitySet;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Capability;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;
import org.osgi.resource.Wire;
import org.osgi.resource.Wiring;
import org.osgi.service.resolver.HostedCapability;
import org.osgi.service.resolver.ResolutionException;
import org.osgi.service.resolver.ResolveContext;
import org.osgi.service.resolver.Resolver;

/**
 * What installing a catalogue item takes: the framework's resolver (Felix's) answers which catalogue artifacts must
 * come with it, given what the running panel already provides. Bundles that run are always preferred over the
 * catalogue, so a library the panel has is never installed twice; among catalogue artifacts the newest wins.
 */
final class CatalogueResolution {

    /** The item cannot be installed; {@code detail} names what is missing, in one sentence. */
    static final class Unresolvable extends Exception {
        Unresolvable(String detail) {
            super(detail);
        }
    }

    private CatalogueResolution() {
    }

    /**
     * The catalogue resources to install for {@code wanted}, dependencies first and {@code wanted} last.
     *
     * @param installedNames symbolic names already installed (their catalogue artifacts are not offered again)
     */
    static List<Resource> resolve(BundleContext context, Resolver resolver, Resource wanted, List<PluginCatalogue.Item> catalogue,
                                  Set<String> installedNames) throws Unresolvable {
        Context resolveContext = new Context(context, wanted, catalogue, installedNames);
        Map<Resource, List<Wire>> result;
        try {
            result = resolver.resolve(resolveContext);
        } catch (ResolutionException e) {
            throw new Unresolvable(explain(e, name(wanted)));
        }
        List<Resource> ordered = new ArrayList<>();
        Set<Resource> visited = new LinkedHashSet<>();
        dependenciesFirst(wanted, result, visited, ordered);
        for (Resource r : result.keySet()) {
            if (!(r instanceof BundleRevision)) {
                dependenciesFirst(r, result, visited, ordered);
            }
        }
        return ordered;
    }

    private static void dependenciesFirst(Resource r, Map<Resource, List<Wire>> result, Set<Resource> visited, List<Resource> out) {
        if (r instanceof BundleRevision || !visited.add(r)) {
            return;
        }
        for (Wire wire : result.getOrDefault(r, List.of())) {
            dependenciesFirst(wire.getProvider(), result, visited, out);
        }
        out.add(r);
    }

    /** "it needs package X from 1.2.0 up to (not including) 2.0.0": the requirements the resolver could not meet. */
    static String explain(ResolutionException e, String wantedName) {
        Collection<Requirement> unresolved = e.getUnresolvedRequirements();
        if (unresolved != null && !unresolved.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (Requirement r : unresolved) {
                String who = name(r.getResource());
                parts.add((who == null || who.equals(wantedName) ? "it " : "its dependency " + who + " ") + PluginDirectory.describeRequirement(r.getNamespace(), r.getDirectives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE)));
            }
            return String.join("; ", parts);
        }
        String message = e.getMessage() == null ? "the resolver gave no reason" : e.getMessage();
        return PluginDirectory.describeFailure(message);
    }

    static String name(Resource resource) {
        if (resource == null) {
            return null;
        }
        List<Capability> identity = resource.getCapabilities(PluginCatalogue.IDENTITY);
        return identity.isEmpty() ? null : String.valueOf(identity.get(0).getAttributes().get(PluginCatalogue.IDENTITY));
    }

    /** The resolver's view: the running bundles, as wired, then the catalogue. */
    private static final class Context extends ResolveContext {

        private final Resource wanted;
        private final Map<Resource, Wiring> wirings = new HashMap<>();
        private final List<Capability> running = new ArrayList<>();
        private final List<Resource> offered = new ArrayList<>();

        Context(BundleContext context, Resource wanted, List<PluginCatalogue.Item> catalogue, Set<String> installedNames) {
            this.wanted = wanted;
            for (Bundle bundle : context.getBundles()) {
                BundleWiring wiring = bundle.adapt(BundleWiring.class);
                if (wiring != null && wiring.isCurrent()) {
                    wirings.put(wiring.getRevision(), wiring);
                    running.addAll(wiring.getCapabilities(null));
                }
            }
            for (PluginCatalogue.Item item : catalogue) { // newest first per name
                if (item.resource() == wanted || !installedNames.contains(item.name())) {
                    offered.add(item.resource());
                }
            }
        }

        @Override
        public Collection<Resource> getMandatoryResources() {
            return List.of(wanted);
        }

        @Override
        public List<Capability> findProviders(Requirement requirement) {
            List<Capability> providers = new ArrayList<>();
            for (Capability capability : running) {
                if (matches(capability, requirement)) {
                    providers.add(capability);
                }
            }
            for (Resource resource : offered) {
                for (Capability capability : resource.getCapabilities(requirement.getNamespace())) {
                    if (matches(capability, requirement)) {
                        providers.add(capability);
                    }
                }
            }
            return providers;
        }

        private static boolean matches(Capability capability, Requirement requirement) {
            return capability.getNamespace().equals(requirement.getNamespace()) && CapabilitySet.matches(capability, requirement);
        }

        @Override
        public int insertHostedCapability(List<Capability> capabilities, HostedCapability hostedCapability) {
            capabilities.add(hostedCapability);
            return capabilities.size() - 1;
        }

        /** Only what matters for resolving: not {@code effective:=active} requirements such as DS's service references. */
        @Override
        public boolean isEffective(Requirement requirement) {
            String effective = requirement.getDirectives().get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
            return effective == null || Namespace.EFFECTIVE_RESOLVE.equals(effective);
        }

        @Override
        public Map<Resource, Wiring> getWirings() {
            return wirings;
        }
    }
}
