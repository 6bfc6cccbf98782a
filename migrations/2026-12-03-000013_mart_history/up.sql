-- History of the marts, as dbt snapshots keep it (type 2 slowly changing dimension): every
-- build that changes a row closes its current version (valid_to, closed_by_build_id) and
-- opens a new one (valid_from, build_id). Written by the build, in its transaction, for the
-- rows it changed only: an unchanged row adds nothing, a build that changes nothing adds
-- nothing, and a failed build nothing at all. valid_from and valid_to are the publishing
-- build's time (marts.publication.built_at, marts.build_run.finished_at). No foreign key to
-- marts.build_run: the history outlives a pruned build history, like the marts.

-- The marts' own columns (with their comments), then the version's.
CREATE TABLE marts.publication_history (
    LIKE marts.publication INCLUDING COMMENTS,
    valid_from         timestamptz NOT NULL,
    valid_to           timestamptz,
    closed_by_build_id bigint,
    PRIMARY KEY (entity, valid_from),
    CHECK ((valid_to IS NULL) = (closed_by_build_id IS NULL))
);
-- A version's time is valid_from.
ALTER TABLE marts.publication_history DROP COLUMN built_at;
COMMENT ON TABLE marts.publication_history IS 'Every version of each marts.publication row: a build that changed an entity''s counts closed the old version and opened a new one. As of time T: valid_from <= T AND (valid_to > T OR valid_to IS NULL).';
CREATE UNIQUE INDEX publication_history_current_idx ON marts.publication_history (entity)
    WHERE valid_to IS NULL;

CREATE TABLE marts.publication_by_object_history (
    LIKE marts.publication_by_object INCLUDING COMMENTS,
    valid_from         timestamptz NOT NULL,
    valid_to           timestamptz,
    build_id           bigint      NOT NULL,
    closed_by_build_id bigint,
    PRIMARY KEY (entity, object_id, valid_from),
    CHECK ((valid_to IS NULL) = (closed_by_build_id IS NULL))
);
COMMENT ON TABLE marts.publication_by_object_history IS 'Every version of each marts.publication_by_object row: a build that changed an object''s row (or added or dropped the object) closed the old version and opened a new one; a dropped object has no open version. As of time T: valid_from <= T AND (valid_to > T OR valid_to IS NULL).';

COMMENT ON COLUMN marts.publication_history.valid_from IS 'When the build that opened this version was published.';
COMMENT ON COLUMN marts.publication_history.valid_to IS 'When the build that closed it was published; NULL: the current version.';
COMMENT ON COLUMN marts.publication_history.build_id IS 'The marts.build_run that opened this version.';
COMMENT ON COLUMN marts.publication_history.closed_by_build_id IS 'The marts.build_run that closed it; NULL: the current version.';
COMMENT ON COLUMN marts.publication_by_object_history.valid_from IS 'When the build that opened this version was published.';
COMMENT ON COLUMN marts.publication_by_object_history.valid_to IS 'When the build that closed it was published; NULL: the current version.';
COMMENT ON COLUMN marts.publication_by_object_history.build_id IS 'The marts.build_run that opened this version.';
COMMENT ON COLUMN marts.publication_by_object_history.closed_by_build_id IS 'The marts.build_run that closed it; NULL: the current version.';

-- One current version per object, found by key (a build closes versions by key).
CREATE UNIQUE INDEX publication_by_object_history_current_idx
    ON marts.publication_by_object_history (entity, object_id) WHERE valid_to IS NULL;
-- "What changed in build N": the versions it opened and those it closed.
CREATE INDEX publication_by_object_history_build_idx
    ON marts.publication_by_object_history (build_id);
CREATE INDEX publication_by_object_history_closed_idx
    ON marts.publication_by_object_history (closed_by_build_id)
    WHERE closed_by_build_id IS NOT NULL;

-- The marts published now are the first version: opened by the build that published them.
INSERT INTO marts.publication_history
    (entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites,
     twitter, total, valid_from, build_id)
SELECT entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites,
       twitter, total, built_at, build_id
FROM marts.publication;
INSERT INTO marts.publication_by_object_history
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications, valid_from, build_id)
SELECT o.entity, o.object_id, o.name, o.articles, o.wikipedia, o.presskits, o.videos,
       o.reddit, o.photos, o.websites, o.twitter, o.total, o.launches, o.launch_publications,
       p.built_at, p.build_id
FROM marts.publication_by_object o
CROSS JOIN (SELECT built_at, build_id FROM marts.publication LIMIT 1) p;

GRANT SELECT ON marts.publication_history, marts.publication_by_object_history
    TO greenadam_reader;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON marts.publication_history, marts.publication_by_object_history TO greenadam_martmaker;
