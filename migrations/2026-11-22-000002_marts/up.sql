-- The marts layer: rebuilt by the martmaker from one snapshot of staging.
CREATE SCHEMA IF NOT EXISTS marts;
COMMENT ON SCHEMA marts IS 'Data marts built from staging by the martmaker.';

-- The one place that says what counts as a publication URL: after trimming whitespace, an
-- absolute http(s) URL (scheme in any letter case) with a non-empty host and no whitespace or
-- control characters inside. Returns the trimmed URL, or NULL when the value does not count.
CREATE FUNCTION marts.publication_url(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT trimmed
    FROM (SELECT regexp_replace(value, '^[[:space:]]+|[[:space:]]+$', '', 'g') AS trimmed) t
    WHERE trimmed ~* '^https?://([^/?#@]*@)?([^][/?#:@]+|\[[0-9a-f:.]+\])(:[0-9]*)?([/?#]|$)'
      AND trimmed !~ '[[:space:][:cntrl:]]'
$$;
COMMENT ON FUNCTION marts.publication_url(text) IS 'The trimmed URL if the value counts as a publication (absolute http/https URL with a host), else NULL.';

CREATE TABLE marts.publication (
    entity    text        PRIMARY KEY CHECK (entity IN ('launch', 'mission', 'rocket')),
    objects   bigint      NOT NULL CHECK (objects >= 0),
    articles  bigint      NOT NULL CHECK (articles >= 0),
    wikipedia bigint      NOT NULL CHECK (wikipedia >= 0),
    presskits bigint      NOT NULL CHECK (presskits >= 0),
    videos    bigint      NOT NULL CHECK (videos >= 0),
    reddit    bigint      NOT NULL CHECK (reddit >= 0),
    photos    bigint      NOT NULL CHECK (photos >= 0),
    websites  bigint      NOT NULL CHECK (websites >= 0),
    twitter   bigint      NOT NULL CHECK (twitter >= 0),
    total     bigint      NOT NULL CHECK (total >= 0),
    built_at  timestamptz NOT NULL
);
COMMENT ON TABLE marts.publication IS 'Publications (URLs of documents about an object) counted per entity: always the three rows launch, mission, rocket.';
COMMENT ON COLUMN marts.publication.entity IS 'launch, mission or rocket.';
COMMENT ON COLUMN marts.publication.objects IS 'Number of objects of this entity in staging.';
COMMENT ON COLUMN marts.publication.articles IS 'Launch article links (links.article_link).';
COMMENT ON COLUMN marts.publication.wikipedia IS 'Wikipedia pages (launch links.wikipedia, mission wikipedia, rocket wikipedia).';
COMMENT ON COLUMN marts.publication.presskits IS 'Launch press kits (links.presskit).';
COMMENT ON COLUMN marts.publication.videos IS 'Launch videos (links.video_link).';
COMMENT ON COLUMN marts.publication.reddit IS 'Distinct launch reddit threads (links.reddit_campaign, reddit_launch, reddit_media, reddit_recovery).';
COMMENT ON COLUMN marts.publication.photos IS 'Distinct launch photos (links.flickr_images).';
COMMENT ON COLUMN marts.publication.websites IS 'Mission websites (website).';
COMMENT ON COLUMN marts.publication.twitter IS 'Mission twitter accounts (twitter).';
COMMENT ON COLUMN marts.publication.total IS 'Sum of the kind columns.';
COMMENT ON COLUMN marts.publication.built_at IS 'When the martmaker published this build.';

CREATE TABLE marts.publication_by_object (
    entity              text   NOT NULL CHECK (entity IN ('launch', 'mission', 'rocket')),
    object_id           text   NOT NULL,
    name                text,
    articles            bigint NOT NULL CHECK (articles >= 0),
    wikipedia           bigint NOT NULL CHECK (wikipedia >= 0),
    presskits           bigint NOT NULL CHECK (presskits >= 0),
    videos              bigint NOT NULL CHECK (videos >= 0),
    reddit              bigint NOT NULL CHECK (reddit >= 0),
    photos              bigint NOT NULL CHECK (photos >= 0),
    websites            bigint NOT NULL CHECK (websites >= 0),
    twitter             bigint NOT NULL CHECK (twitter >= 0),
    total               bigint NOT NULL CHECK (total >= 0),
    launches            bigint CHECK (launches >= 0),
    launch_publications bigint CHECK (launch_publications >= 0),
    PRIMARY KEY (entity, object_id),
    CHECK ((entity = 'launch') = (launches IS NULL AND launch_publications IS NULL))
);
CREATE INDEX publication_by_object_total_idx ON marts.publication_by_object (entity, total DESC);
COMMENT ON TABLE marts.publication_by_object IS 'Publications counted per launch, mission and rocket (one row per object in staging).';
COMMENT ON COLUMN marts.publication_by_object.entity IS 'launch, mission or rocket.';
COMMENT ON COLUMN marts.publication_by_object.object_id IS 'The upstream id of the object.';
COMMENT ON COLUMN marts.publication_by_object.name IS 'A launch''s mission_name, a mission''s or rocket''s name.';
COMMENT ON COLUMN marts.publication_by_object.articles IS 'Distinct article links.';
COMMENT ON COLUMN marts.publication_by_object.wikipedia IS 'Distinct wikipedia links.';
COMMENT ON COLUMN marts.publication_by_object.presskits IS 'Distinct press kit links.';
COMMENT ON COLUMN marts.publication_by_object.videos IS 'Distinct video links.';
COMMENT ON COLUMN marts.publication_by_object.reddit IS 'Distinct reddit links over the four reddit fields.';
COMMENT ON COLUMN marts.publication_by_object.photos IS 'Distinct flickr images.';
COMMENT ON COLUMN marts.publication_by_object.websites IS 'Distinct website links (missions).';
COMMENT ON COLUMN marts.publication_by_object.twitter IS 'Distinct twitter links (missions).';
COMMENT ON COLUMN marts.publication_by_object.total IS 'Sum of the kind columns.';
COMMENT ON COLUMN marts.publication_by_object.launches IS 'Missions and rockets: staged launches that reference this object. NULL for launches.';
COMMENT ON COLUMN marts.publication_by_object.launch_publications IS 'Missions and rockets: sum of total over those launches. NULL for launches.';

CREATE TABLE marts.build_run (
    id                 bigserial   PRIMARY KEY,
    mart               text        NOT NULL,
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    status             text        NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'succeeded', 'failed')),
    source_run_id      bigint,
    publication_rows   bigint,
    object_rows        bigint,
    error              text
);
CREATE INDEX build_run_mart_status_idx ON marts.build_run (mart, status, id DESC);
COMMENT ON TABLE marts.build_run IS 'One row per mart build the martmaker attempted (an unchanged staging writes none).';
COMMENT ON COLUMN marts.build_run.mart IS 'The mart built (publication: publication and publication_by_object).';
COMMENT ON COLUMN marts.build_run.source_run_id IS 'The last staging.extract_run that had changed staging when this build read it.';
COMMENT ON COLUMN marts.build_run.publication_rows IS 'Rows published in marts.publication.';
COMMENT ON COLUMN marts.build_run.object_rows IS 'Rows published in marts.publication_by_object.';
COMMENT ON COLUMN marts.build_run.error IS 'Why the build failed (SQL error or failed data-quality checks); the previous marts were kept.';
