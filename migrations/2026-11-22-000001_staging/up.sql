-- The staging layer: a faithful, typed copy of what the SpaceX GraphQL API serves.
-- Every record keeps the JSON the API sent (`raw`) beside the typed columns.
CREATE SCHEMA IF NOT EXISTS staging;
COMMENT ON SCHEMA staging IS 'Typed copy of the SpaceX GraphQL API, written by the extractor in one transaction per run.';

CREATE TABLE staging.extract_run (
    id           bigserial   PRIMARY KEY,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text        NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    rows_changed bigint      NOT NULL DEFAULT 0 CHECK (rows_changed >= 0),
    error        text
);
COMMENT ON TABLE staging.extract_run IS 'One row per extractor run.';
COMMENT ON COLUMN staging.extract_run.status IS 'running, succeeded (every entity loaded), partial (some entities failed and kept their previous rows) or failed (nothing written).';
COMMENT ON COLUMN staging.extract_run.rows_changed IS 'Staging rows inserted, updated or deleted by this run; 0 means staging was left as it was.';
COMMENT ON COLUMN staging.extract_run.error IS 'Why the run failed or was partial (one line per failed entity).';

CREATE TABLE staging.extract_run_entity (
    run_id   bigint  NOT NULL REFERENCES staging.extract_run (id) ON DELETE CASCADE,
    entity   text    NOT NULL,
    status   text    NOT NULL CHECK (status IN ('succeeded', 'failed')),
    fetched  integer NOT NULL DEFAULT 0 CHECK (fetched >= 0),
    loaded   integer NOT NULL DEFAULT 0 CHECK (loaded >= 0),
    rejected integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    inserted integer NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated  integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    deleted  integer NOT NULL DEFAULT 0 CHECK (deleted >= 0),
    pages    integer NOT NULL DEFAULT 0 CHECK (pages >= 0),
    retries  integer NOT NULL DEFAULT 0 CHECK (retries >= 0),
    error    text,
    PRIMARY KEY (run_id, entity)
);
COMMENT ON TABLE staging.extract_run_entity IS 'Per-entity outcome and counts of one extractor run.';
COMMENT ON COLUMN staging.extract_run_entity.fetched IS 'Records the API returned (including rejected ones).';
COMMENT ON COLUMN staging.extract_run_entity.loaded IS 'Records accepted into staging (fetched = loaded + rejected).';
COMMENT ON COLUMN staging.extract_run_entity.rejected IS 'Records written to staging.rejected instead.';
COMMENT ON COLUMN staging.extract_run_entity.pages IS 'GraphQL pages requested (limit/offset).';
COMMENT ON COLUMN staging.extract_run_entity.retries IS 'HTTP requests retried after a transient failure.';

CREATE TABLE staging.rocket (
    id               text    PRIMARY KEY,
    name             text,
    type             text,
    active           boolean,
    company          text,
    country          text,
    description      text,
    wikipedia        text,
    first_flight     date,
    cost_per_launch  bigint CHECK (cost_per_launch >= 0),
    success_rate_pct integer CHECK (success_rate_pct BETWEEN 0 AND 100),
    raw              jsonb   NOT NULL,
    run_id           bigint  NOT NULL
);
COMMENT ON TABLE staging.rocket IS 'Rockets as returned by the API query `rockets`.';
COMMENT ON COLUMN staging.rocket.id IS 'Upstream rocket id (e.g. falcon9).';
COMMENT ON COLUMN staging.rocket.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.rocket.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.mission (
    id            text   PRIMARY KEY,
    name          text,
    description   text,
    manufacturers text[] NOT NULL DEFAULT '{}',
    wikipedia     text,
    website       text,
    twitter       text,
    raw           jsonb  NOT NULL,
    run_id        bigint NOT NULL
);
COMMENT ON TABLE staging.mission IS 'Missions as returned by the API query `missions` (empty on the current endpoint).';
COMMENT ON COLUMN staging.mission.id IS 'Upstream mission id (e.g. EE86F74).';
COMMENT ON COLUMN staging.mission.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.mission.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.launch (
    id                text    PRIMARY KEY,
    mission_name      text,
    launch_date_utc   timestamptz,
    launch_date_local text,
    launch_date_unix  bigint,
    launch_year       text,
    launch_success    boolean,
    upcoming          boolean,
    details           text,
    rocket_id         text,
    rocket_name       text,
    rocket_type       text,
    raw               jsonb   NOT NULL,
    run_id            bigint  NOT NULL
);
CREATE INDEX launch_rocket_id_idx ON staging.launch (rocket_id);
COMMENT ON TABLE staging.launch IS 'Launches (past and upcoming) as returned by the API query `launches`.';
COMMENT ON COLUMN staging.launch.id IS 'Upstream launch id (a flight number on the original API, a 24-hex id on the current one).';
COMMENT ON COLUMN staging.launch.launch_date_local IS 'Local launch time as sent, with its UTC offset.';
COMMENT ON COLUMN staging.launch.rocket_id IS 'Upstream rocket id; may name a rocket missing from staging.rocket (kept as an unresolved reference).';
COMMENT ON COLUMN staging.launch.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.launch.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.launch_mission (
    launch_id  text    NOT NULL REFERENCES staging.launch (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    mission_id text    NOT NULL,
    PRIMARY KEY (launch_id, position)
);
CREATE INDEX launch_mission_mission_id_idx ON staging.launch_mission (mission_id);
COMMENT ON TABLE staging.launch_mission IS 'The launch''s mission_id list, one row per element; mission_id may name a mission missing from staging.mission.';
COMMENT ON COLUMN staging.launch_mission.position IS 'Index of the element in the upstream list.';

CREATE TABLE staging.launch_link (
    launch_id text    NOT NULL REFERENCES staging.launch (id) ON DELETE CASCADE,
    field     text    NOT NULL CHECK (field IN (
                  'article_link', 'wikipedia', 'presskit', 'video_link',
                  'reddit_campaign', 'reddit_launch', 'reddit_media', 'reddit_recovery',
                  'flickr_images', 'mission_patch', 'mission_patch_small')),
    position  integer NOT NULL CHECK (position >= 0),
    url       text    NOT NULL,
    PRIMARY KEY (launch_id, field, position)
);
COMMENT ON TABLE staging.launch_link IS 'Every non-null value of the launch''s `links` object, one row per value, kept verbatim (not validated).';
COMMENT ON COLUMN staging.launch_link.field IS 'The upstream field name inside `links`.';
COMMENT ON COLUMN staging.launch_link.position IS '0 for single-valued fields; the list index for flickr_images.';

CREATE TABLE staging.rejected (
    id          bigserial   PRIMARY KEY,
    run_id      bigint      NOT NULL REFERENCES staging.extract_run (id) ON DELETE CASCADE,
    entity      text        NOT NULL,
    upstream_id text,
    reason      text        NOT NULL,
    raw         text        NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejected_run_id_idx ON staging.rejected (run_id);
COMMENT ON TABLE staging.rejected IS 'Records the extractor refused (duplicate id, failed validation), with the reason.';
COMMENT ON COLUMN staging.rejected.raw IS 'The record as JSON text (text, not jsonb, so that values jsonb refuses, such as NUL escapes, are kept too).';
