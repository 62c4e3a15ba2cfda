-- Whether a VE may send mail directly (outbound TCP port 25); blocked by default, opened per VE by the provider.
ALTER TABLE ve ADD COLUMN smtp boolean DEFAULT false NOT NULL;
