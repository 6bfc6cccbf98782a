-- Rocket.payload_weights: what each rocket can lift to each orbit, a relation of the rocket.
CREATE TABLE staging.rocket_payload_weight (
    rocket_id text    NOT NULL REFERENCES staging.rocket (id) ON DELETE CASCADE,
    position  integer NOT NULL CHECK (position >= 0),
    id        text,
    name      text,
    kg        integer,
    lb        integer,
    PRIMARY KEY (rocket_id, position)
);
COMMENT ON TABLE staging.rocket_payload_weight IS 'What a rocket can lift per orbit (Rocket.payload_weights).';
COMMENT ON COLUMN staging.rocket_payload_weight.rocket_id IS 'The rocket.';
COMMENT ON COLUMN staging.rocket_payload_weight.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.rocket_payload_weight.id IS 'The orbit as sent, e.g. leo (names no staging row).';
COMMENT ON COLUMN staging.rocket_payload_weight.name IS 'The orbit''s name, e.g. Low Earth Orbit.';
COMMENT ON COLUMN staging.rocket_payload_weight.kg IS 'Kilograms.';
COMMENT ON COLUMN staging.rocket_payload_weight.lb IS 'Pounds.';
