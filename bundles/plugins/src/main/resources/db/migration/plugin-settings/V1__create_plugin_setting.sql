-- Settings made through the API for a configuration PID (a plugin's, usually). Values of password-type attributes
-- are AES-GCM encrypted with the key in data/keys/plugin-settings.key; the others are kept as text.
CREATE TABLE plugin_setting (
    pid varchar(200) NOT NULL,
    name varchar(200) NOT NULL,
    setting_value varchar(4000) NOT NULL,
    secret boolean NOT NULL,
    updated_at timestamp(6) with time zone NOT NULL,
    PRIMARY KEY (pid, name)
);
