-- Copies of a template in other nodes' pools (the node that made it is the template's own node_id): a node copies
-- a template from a node holding it, over the node channel, when a VE made from it is placed there.
CREATE TABLE template_copy (
    template_id varchar(200) NOT NULL,
    node_id uuid NOT NULL,
    copied_at timestamp(6) with time zone NOT NULL,
    PRIMARY KEY (template_id, node_id)
);
