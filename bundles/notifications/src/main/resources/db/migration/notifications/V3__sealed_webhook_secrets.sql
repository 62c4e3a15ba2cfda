-- Webhook signing secrets are stored sealed (AES-256-GCM under the panel's keys/secrets.key) instead of in clear;
-- a sealed secret is longer. Secrets kept in clear by earlier versions are sealed by the panel at its next start.
ALTER TABLE webhook ALTER COLUMN secret SET DATA TYPE varchar(400);
