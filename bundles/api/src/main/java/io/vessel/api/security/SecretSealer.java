package io.vessel.api.security;

/**
 * Keeps secrets (API keys, signing secrets) unreadable at rest: what a bundle stores in the database is sealed with a
 * key that lives on the panel's own disk, readable by root only, so a database dump or backup alone gives nothing
 * away. Authenticated encryption: a sealed value that was changed does not open.
 */
public interface SecretSealer {

    /** The secret sealed, as text to store. */
    String seal(String plain);

    /**
     * The secret a {@link #seal} made.
     *
     * @throws IllegalArgumentException when it was not sealed here, was changed, or the key was replaced
     */
    String open(String sealed);
}
