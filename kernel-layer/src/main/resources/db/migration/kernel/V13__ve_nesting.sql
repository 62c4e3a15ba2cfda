-- Whether the provider lets a VE run containers of its own (Docker, Podman): off unless granted.
ALTER TABLE ve ADD COLUMN nesting boolean DEFAULT false NOT NULL;
