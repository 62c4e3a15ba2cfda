ALTER TABLE rt_pet ADD COLUMN species varchar(40) DEFAULT 'cat' NOT NULL;
