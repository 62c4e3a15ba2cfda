package io.vessel.api.notify;

import java.util.Map;

/**
 * Something worth telling.
 *
 * @param event   what happened, dotted, e.g. {@code ve.started}, {@code plugin.disabled}, {@code backup.failed}:
 *                webhooks and channels subscribe by it
 * @param subject one line for people (an e-mail's subject)
 * @param text    a few lines for people, plain text
 * @param data    the facts for machines (a webhook's JSON body carries them): strings, numbers, booleans, lists
 *                and maps of those
 */
public record Notification(String event, String subject, String text, Map<String, Object> data) {

    public Notification {
        data = data == null ? Map.of() : Map.copyOf(data);
    }
}
