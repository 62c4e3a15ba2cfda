-- Every node writes a heartbeat every 5 s; one silent for 30 s is out of reach (unreachable_since set once, by
-- whichever node noticed first: the one that alerts the provider), cleared by the node's next heartbeat.
ALTER TABLE node ADD COLUMN last_heartbeat_at timestamp(6) with time zone;
ALTER TABLE node ADD COLUMN unreachable_since timestamp(6) with time zone;
