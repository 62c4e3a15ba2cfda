-- Which events an account wants by e-mail, where it differs from the default (provider events on, tenant events off).
CREATE TABLE notification_preference (
    account_id uuid NOT NULL,
    event varchar(200) NOT NULL,
    email boolean NOT NULL,
    PRIMARY KEY (account_id, event)
);
