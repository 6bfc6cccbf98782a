-- Run last by every build: marts.publication, one row per entity, always all three, summed
-- from the per-object rows, each naming the build (the setting greenadam.build_id) and when
-- it ended (the clock, read once, not the transaction's start: marts.build_run.finished_at
-- copies it, so that a build's duration is its own).
DELETE FROM marts.publication;
INSERT INTO marts.publication
    (entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites,
     twitter, total, built_at, build_id)
SELECT e.entity, count(o.object_id),
       coalesce(sum(o.articles), 0), coalesce(sum(o.wikipedia), 0),
       coalesce(sum(o.presskits), 0), coalesce(sum(o.videos), 0), coalesce(sum(o.reddit), 0),
       coalesce(sum(o.photos), 0), coalesce(sum(o.websites), 0), coalesce(sum(o.twitter), 0),
       coalesce(sum(o.total), 0), (SELECT clock_timestamp()), current_setting('greenadam.build_id')::bigint
FROM (VALUES ('launch'), ('mission'), ('rocket')) e (entity)
LEFT JOIN marts.publication_by_object o USING (entity)
GROUP BY e.entity;
