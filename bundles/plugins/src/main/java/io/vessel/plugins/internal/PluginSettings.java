package io.vessel.plugins.internal;

import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugins' settings, described by the plugins themselves with OSGi Metatype (an {@code @ObjectClassDefinition}
 * designated to their PID): the API turns a description into a form, checks what is sent against it, keeps it in
 * the database (password-type values encrypted, see {@link SecretBox}) and hands it to Configuration Admin, which
 * gives it to the plugin at once. Configuration Admin itself keeps configuration in memory only, so no secret is
 * written out as plain text; what the API set is applied again at every start, over vessel.conf's lines.
 */
@Component(service = PluginSettings.class, immediate = true)
public final class PluginSettings {

    private static final Logger LOG = LoggerFactory.getLogger(PluginSettings.class);

    /** One attribute of a form. A password's value is never sent back: {@code secretSet} says whether it has one. */
    public record Field(String id, String name, String description, String type, boolean required, Object defaultValue, List<String> options,
                        List<String> optionLabels, Object value, Boolean secretSet) {
    }

    /** The form of one PID. */
    public record Form(String pid, String name, String description, List<Field> fields) {
    }

    private final BundleContext context;
    private final Database database;
    private final MetaTypeService metaType;
    private final ConfigurationAdmin configurations;
    private final SecretBox secrets;
    private final Path pluginsDir;
    private final ServiceRegistration<?> resource;

    @Activate
    public PluginSettings(BundleContext context,
                          @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + SettingsPersistence.MODULE + ")") Database database,
                          @Reference MetaTypeService metaType, @Reference ConfigurationAdmin configurations) throws IOException {
        this.context = context;
        this.database = database;
        this.metaType = metaType;
        this.configurations = configurations;
        String dataDir = context.getProperty("vessel.data.dir");
        this.secrets = SecretBox.open(Path.of(dataDir == null || dataDir.isBlank() ? "data" : dataDir).toAbsolutePath().resolve("keys/plugin-settings.key"));
        this.pluginsDir = PluginDirectory.configuredDir(context);
        applyStored();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(ApiWhiteboard.RESOURCE, "true");
        this.resource = context.registerService(PluginSettingsResource.class, new PluginSettingsResource(this), properties);
    }

    /**
     * Native SQL: this runs on the start path, where the first HQL statement ever parsed costs a good part of a
     * second of the parser's warm-up (issue 14).
     */
    @SuppressWarnings("unchecked")
    private static List<PluginSettingEntity> storedRows(jakarta.persistence.EntityManager em) {
        return em.createNativeQuery("select * from plugin_setting", PluginSettingEntity.class).getResultList();
    }

    /** What the API set before, over what vessel.conf says, for every PID that has any. */
    private void applyStored() {
        Map<String, Map<String, Object>> byPid = new LinkedHashMap<>();
        for (PluginSettingEntity row : database.inTransaction(PluginSettings::storedRows)) {
            try {
                byPid.computeIfAbsent(row.pid, p -> new LinkedHashMap<>()).put(row.name, decode(row));
            } catch (GeneralSecurityException | RuntimeException e) {
                LOG.error("Setting not applied pid={} name={}: it cannot be decrypted with this panel's key ({})", row.pid, row.name, e.getMessage());
            }
        }
        byPid.forEach((pid, values) -> {
            try {
                apply(pid, values, Set.of());
            } catch (IOException e) {
                LOG.error("Settings not applied pid={}: {}", pid, e.getMessage());
            }
        });
        if (!byPid.isEmpty()) {
            LOG.info("Stored settings applied pids={}", byPid.keySet());
        }
    }

    private Object decode(PluginSettingEntity row) throws GeneralSecurityException {
        String text = row.secret ? secrets.open(row.value) : row.value;
        int colon = text.indexOf(':');
        String type = text.substring(0, colon);
        String value = text.substring(colon + 1);
        return switch (type) {
            case "integer" -> Integer.valueOf(value);
            case "long" -> Long.valueOf(value);
            case "double" -> Double.valueOf(value);
            case "boolean" -> Boolean.valueOf(value);
            default -> value;
        };
    }

    private void apply(String pid, Map<String, Object> values, Set<String> removed) throws IOException {
        Configuration configuration = configurations.getConfiguration(pid, "?");
        Dictionary<String, Object> current = configuration.getProperties();
        Hashtable<String, Object> next = new Hashtable<>();
        if (current != null) {
            for (var keys = current.keys(); keys.hasMoreElements(); ) {
                String key = keys.nextElement();
                next.put(key, current.get(key));
            }
        }
        removed.forEach(next::remove);
        next.putAll(values);
        configuration.updateIfDifferent(next);
    }

    /** The plugin bundle of that name, if it came from {@code plugins/}. */
    Optional<Bundle> plugin(String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName()) && PluginDirectory.isIn(b, pluginsDir)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** The plugin's forms, one per PID it describes, filled with the current values (secrets only as set or not). */
    List<Form> forms(Bundle bundle) throws IOException {
        MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
        List<Form> forms = new ArrayList<>();
        if (info == null) {
            return forms;
        }
        for (String pid : info.getPids()) {
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            Dictionary<String, Object> values = configurations.getConfiguration(pid, "?").getProperties();
            Set<String> required = ids(ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
            List<Field> fields = new ArrayList<>();
            for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                boolean secret = ad.getType() == AttributeDefinition.PASSWORD;
                Object value = values == null ? null : values.get(ad.getID());
                String[] defaults = ad.getDefaultValue();
                fields.add(new Field(ad.getID(), ad.getName(), ad.getDescription(), type(ad), required.contains(ad.getID()) && defaults == null,
                        secret || defaults == null || defaults.length == 0 ? null : defaults[0],
                        ad.getOptionValues() == null ? null : List.of(ad.getOptionValues()),
                        ad.getOptionLabels() == null ? null : List.of(ad.getOptionLabels()),
                        secret ? null : value, secret ? value != null && !String.valueOf(value).isEmpty() : null));
            }
            forms.add(new Form(pid, ocd.getName(), ocd.getDescription(), fields));
        }
        return forms;
    }

    /**
     * Checks {@code values} against the PID's description and applies them: a null value resets an attribute to its
     * default; a password left out or empty keeps the one set before. Unknown names and invalid values are refused
     * with the field at fault, before anything changes.
     */
    Form update(Bundle bundle, String pid, Map<String, Object> values) throws IOException {
        MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
        if (info == null || !List.of(info.getPids()).contains(pid)) {
            throw ProblemException.notFound("Plugin " + bundle.getSymbolicName() + " has no settings " + pid + ".");
        }
        ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
        Map<String, AttributeDefinition> ads = new LinkedHashMap<>();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            ads.put(ad.getID(), ad);
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        Map<String, Object> typed = new LinkedHashMap<>();
        Set<String> reset = new java.util.HashSet<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            AttributeDefinition ad = ads.get(e.getKey());
            if (ad == null) {
                errors.add(new Problem.FieldError("values." + e.getKey(), "not a setting of " + pid));
                continue;
            }
            boolean secret = ad.getType() == AttributeDefinition.PASSWORD;
            if (e.getValue() == null || secret && String.valueOf(e.getValue()).isEmpty()) {
                if (!secret) {
                    reset.add(ad.getID());
                }
                continue;
            }
            String text = String.valueOf(e.getValue());
            String problem = ad.validate(text);
            if (problem != null && !problem.isEmpty()) {
                errors.add(new Problem.FieldError("values." + e.getKey(), problem));
                continue;
            }
            try {
                typed.put(ad.getID(), convert(ad, text));
            } catch (IllegalArgumentException x) {
                errors.add(new Problem.FieldError("values." + e.getKey(), "must be " + type(ad)));
            }
        }
        Dictionary<String, Object> current = configurations.getConfiguration(pid, "?").getProperties();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED)) {
            boolean has = typed.containsKey(ad.getID()) || !reset.contains(ad.getID()) && current != null && current.get(ad.getID()) != null;
            if (!has && (ad.getDefaultValue() == null || ad.getDefaultValue().length == 0)) {
                errors.add(new Problem.FieldError("values." + ad.getID(), "required"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid("Some settings of " + ocd.getName() + " are not valid: " + errors.get(0).field().substring(7) + " "
                    + errors.get(0).message() + ".", errors);
        }
        Instant now = Instant.now();
        database.run(em -> {
            for (String id : reset) {
                PluginSettingEntity row = em.find(PluginSettingEntity.class, new PluginSettingEntity.Key(pid, id));
                if (row != null) {
                    em.remove(row);
                }
            }
            for (Map.Entry<String, Object> e : typed.entrySet()) {
                boolean secret = ads.get(e.getKey()).getType() == AttributeDefinition.PASSWORD;
                String text = kind(e.getValue()) + ":" + e.getValue();
                String stored = secret ? secrets.seal(text) : text;
                PluginSettingEntity row = em.find(PluginSettingEntity.class, new PluginSettingEntity.Key(pid, e.getKey()));
                if (row == null) {
                    em.persist(new PluginSettingEntity(pid, e.getKey(), stored, secret, now));
                } else {
                    row.value = stored;
                    row.secret = secret;
                    row.updatedAt = now;
                }
            }
        });
        apply(pid, typed, reset);
        LOG.info("Settings changed pid={} plugin={} names={}", pid, bundle.getSymbolicName(), typed.keySet());
        return forms(bundle).stream().filter(f -> f.pid().equals(pid)).findFirst().orElseThrow();
    }

    private static Object convert(AttributeDefinition ad, String text) {
        return switch (ad.getType()) {
            case AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE -> Integer.valueOf(text.strip());
            case AttributeDefinition.LONG -> Long.valueOf(text.strip());
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> Double.valueOf(text.strip());
            case AttributeDefinition.BOOLEAN -> {
                if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                    throw new IllegalArgumentException("not a boolean");
                }
                yield Boolean.valueOf(text);
            }
            default -> text;
        };
    }

    private static String kind(Object value) {
        return value instanceof Integer ? "integer" : value instanceof Long ? "long" : value instanceof Double ? "double"
                : value instanceof Boolean ? "boolean" : "string";
    }

    private static String type(AttributeDefinition ad) {
        return switch (ad.getType()) {
            case AttributeDefinition.PASSWORD -> "password";
            case AttributeDefinition.BOOLEAN -> "boolean";
            case AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.BYTE, AttributeDefinition.LONG -> "integer";
            case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "number";
            default -> "string";
        };
    }

    private static Set<String> ids(AttributeDefinition[] ads) {
        Set<String> out = new java.util.HashSet<>();
        if (ads != null) {
            for (AttributeDefinition ad : ads) {
                out.add(ad.getID());
            }
        }
        return out;
    }

    @Deactivate
    void deactivate() {
        try {
            resource.unregister();
        } catch (IllegalStateException e) {
            // gone with the framework
        }
    }
}
