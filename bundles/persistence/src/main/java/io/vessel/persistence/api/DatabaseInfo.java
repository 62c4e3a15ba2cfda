package io.vessel.persistence.api;

/**
 * @param product  database product name as reported by the driver, e.g. {@code PostgreSQL} or {@code H2}
 * @param version  product version
 * @param url      JDBC URL without credentials
 * @param schema   schema holding Vessel's tables
 * @param embedded true for the zero-setup embedded database under the data directory
 */
public record DatabaseInfo(String product, String version, String url, String schema, boolean embedded) {
}
