package io.vessel.api.events;

/**
 * Live data about VEs for the event stream, through OSGi EventAdmin. The stream posts which VEs its open streams
 * watch ({@code ?ve=101&ve=102}) on {@link #WATCHED_TOPIC} whenever that changes, and again every 15 seconds while
 * any are watched (so a bundle started later learns it); a bundle that derives data from a VE's samples (billing's
 * live cost, a plugin's figures) computes it for those VEs only and posts it on {@link #TOPIC_PREFIX}{@code <name>}.
 * The stream delivers it as event {@code <name>} to the streams watching that VE whose caller holds
 * {@link #PERMISSION}; every other property is the event's data.
 */
public final class LiveVeData {

    /** Posted by the event stream: the VEs open streams watch now, property {@link #VES}. */
    public static final String WATCHED_TOPIC = "io/vessel/events/WATCHED";

    /** Property of {@link #WATCHED_TOPIC}: the watched VEs' ids, an {@code int[]}. */
    public static final String VES = "ves";

    /** Prefix of the topics live data is posted on; the rest of the topic names the event (a single word). */
    public static final String TOPIC_PREFIX = "io/vessel/live/";

    /** Property of live data: the VE it is about (an {@code Integer}). */
    public static final String VE_ID = "ve.id";

    /** Property of live data: the permission a caller needs to receive it (besides seeing the VE). */
    public static final String PERMISSION = "permission";

    private LiveVeData() {
    }
}
