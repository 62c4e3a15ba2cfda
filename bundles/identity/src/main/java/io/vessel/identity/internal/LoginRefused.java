package io.vessel.identity.internal;

import io.vessel.web.api.ProblemException;

/** Why a login or an authentication did not go through, as the problem the client gets. */
final class LoginRefused extends ProblemException {

    private static final long serialVersionUID = 1L;

    private final long retryAfter;
    private final String kind;

    LoginRefused(int status, String kind, String title, String detail) {
        this(status, kind, title, detail, 0);
    }

    private LoginRefused(int status, String kind, String title, String detail, long retryAfter) {
        super(status, kind, title, detail);
        this.retryAfter = retryAfter;
        this.kind = kind;
    }

    @Override
    public long retryAfterSeconds() {
        return retryAfter;
    }

    /** Whether the login may be tried again with a (right) two-factor code. */
    boolean wantsCode() {
        return kind.startsWith("totp-");
    }

    static LoginRefused linkInvalid() {
        return new LoginRefused(400, "link-invalid", "Login link not valid",
                "The login link is wrong, used or expired (links work once, for a minute); open the panel from your billing area again.");
    }

    static LoginRefused wrongCredentials() {
        return new LoginRefused(401, "unauthorized", "Not logged in", "Wrong username or password.");
    }

    static LoginRefused totpRequired() {
        return new LoginRefused(401, "totp-required", "Two-factor code required",
                "This account uses two-factor authentication: send the 6-digit code from your authenticator app (or a recovery code) as \"totp\".");
    }

    static LoginRefused totpWrong() {
        return new LoginRefused(401, "totp-invalid", "Wrong two-factor code",
                "The two-factor code is wrong, expired or already used; wait for the next code and try again.");
    }

    static LoginRefused suspended(String reason) {
        return new LoginRefused(403, "suspended", "Account suspended", "This account is suspended: " + reason + ". Contact your provider.");
    }

    static LoginRefused throttled(java.time.Duration wait) {
        long seconds = Math.max(1, wait.toSeconds());
        return new LoginRefused(429, "too-many-logins", "Too many failed logins",
                "Too many failed logins; try again in " + (seconds >= 120 ? seconds / 60 + " minutes" : seconds + " seconds") + ".", seconds);
    }
}
