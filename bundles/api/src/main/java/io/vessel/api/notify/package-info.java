/**
 * Telling people and systems what happened: {@link io.vessel.api.notify.Notifier} (offered by the notifications
 * bundle: e-mail over SMTP, tenants' webhooks) and {@link io.vessel.api.notify.NotificationChannel}, through which
 * plugins add ways to deliver (SMS, chat). 1.1: {@link io.vessel.api.notify.Attachment}s on e-mails.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package io.vessel.api.notify;
