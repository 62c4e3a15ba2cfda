package io.vessel.web.api;

/**
 * A page a plugin adds to the panel's web UI: register any object under this interface (a DS component that
 * implements it is the usual way) with the service properties below. The page is an ES module in the plugin's
 * bundle, under its {@code ui/} folder, served at {@code /plugin-ui/<bundle symbolic name>/<file>} with the panel's
 * Content-Security-Policy (no inline scripts). The shell imports it when the page is opened and calls its exported
 * {@code render(container, context)}; {@code context} carries {@code api}, {@code el}, {@code say}, {@code ask},
 * {@code form}, {@code badge}, {@code size}, {@code onLeave} (the panel's {@code /portal/ui.js} helpers;
 * {@code onLeave(hook)} runs the hook when the page is left, e.g. to close an event stream), {@code me} (the caller,
 * with its permissions) and, on a VE tab, {@code ve} (the VE's id). Menu items and tabs appear and disappear
 * without a reload as plugins come and go; a caller without {@link #PERMISSION} does not see them.
 *
 * <p>A {@link #VE_LIST} contribution is a column of the portal's list of VEs: its module exports
 * {@code column(context)}, called with {@code ves} (the VEs listed) in the context, which answers a function from a
 * VE to the cell's content (a node or text); {@link #LABEL} is the column's heading. It may keep its cells up to
 * date itself (from the event stream) until {@code onLeave} tells it the list is gone.
 */
public interface UiContribution {

    /** Where it shows: {@link #ADMIN} (a menu item of the admin panel), {@link #PORTAL} (of the portal), {@link #VE_TAB} or {@link #VE_LIST}. */
    String PLACEMENT = "vessel.ui.placement";
    /** A name unique within the plugin, letters, digits and dashes: part of the page's address. */
    String ID = "vessel.ui.id";
    /** The menu item's or tab's text. */
    String LABEL = "vessel.ui.label";
    /** The permission a caller needs to see it (optional; e.g. {@code sample.read}). */
    String PERMISSION = "vessel.ui.permission";
    /** The module's file under the bundle's {@code ui/} folder, e.g. {@code greetings.js}. */
    String MODULE = "vessel.ui.module";

    String ADMIN = "admin";
    String PORTAL = "portal";
    String VE_TAB = "ve-tab";
    /** A column of the portal's list of VEs. @since 1.7 */
    String VE_LIST = "ve-list";
}
