package io.vessel.api.notify;

/**
 * A file that goes with a notification by e-mail (an invoice's PDF); webhooks and channels get the notification
 * without it.
 *
 * @param fileName  the name the recipient sees, without a path
 * @param mediaType e.g. {@code application/pdf}
 * @param content   the bytes
 */
public record Attachment(String fileName, String mediaType, byte[] content) {

    public Attachment {
        if (fileName == null || fileName.isBlank() || fileName.contains("/") || fileName.contains("\\")) {
            throw new IllegalArgumentException("an attachment needs a plain file name");
        }
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }
}
