-- Incremental builds of the publication marts: a build recounts only the launches an
-- extract run inserted or changed since the last build (staging.launch.run_id), and only the
-- missions and rockets those launches count towards.

-- Finds the launches changed since a given run without reading the whole (wide) table.
CREATE INDEX launch_run_id_idx ON staging.launch (run_id);

-- What each launch adds to its missions and rockets, kept between builds: when a launch
-- changes or vanishes, the build knows which objects it counted towards before (staging only
-- holds its new references) and re-sums just those.
CREATE TABLE marts.publication_contribution (
    launch_id text   NOT NULL,
    entity    text   NOT NULL CHECK (entity IN ('mission', 'rocket')),
    object_id text   NOT NULL,
    total     bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (launch_id, entity, object_id)
);
COMMENT ON TABLE marts.publication_contribution IS 'Build state of the publication marts: one row per staged launch and mission or rocket it references (resolved or not), with the launch''s publication total.';
COMMENT ON COLUMN marts.publication_contribution.launch_id IS 'The launch (staging.launch.id).';
COMMENT ON COLUMN marts.publication_contribution.entity IS 'mission (from the launch''s mission_id list) or rocket (its rocket_id).';
COMMENT ON COLUMN marts.publication_contribution.object_id IS 'The referenced mission or rocket id; may name no staged object yet.';
COMMENT ON COLUMN marts.publication_contribution.total IS 'The launch''s total in marts.publication_by_object.';

ALTER TABLE marts.build_run
    ADD COLUMN mode text CHECK (mode IN ('full', 'incremental')),
    ADD COLUMN definition text,
    ADD COLUMN launches_recounted bigint CHECK (launches_recounted >= 0);
COMMENT ON COLUMN marts.build_run.mode IS 'full: every row recomputed (first build, or the build definition changed); incremental: only what changed since the previous successful build.';
COMMENT ON COLUMN marts.build_run.definition IS 'Fingerprint of the build''s SQL: an incremental build needs the previous build made by the same SQL.';
COMMENT ON COLUMN marts.build_run.launches_recounted IS 'Launches whose row this build recomputed (inserted, changed or vanished since the previous build).';

-- The per-row rules the build relied on its data-quality checks for, now enforced by the
-- table itself (an incremental build no longer rereads every row).
ALTER TABLE marts.publication
    ADD CONSTRAINT publication_total_is_sum CHECK (
        total = articles + wikipedia + presskits + videos + reddit + photos + websites + twitter);
ALTER TABLE marts.publication_by_object
    ADD CONSTRAINT publication_by_object_total_is_sum CHECK (
        total = articles + wikipedia + presskits + videos + reddit + photos + websites + twitter);
