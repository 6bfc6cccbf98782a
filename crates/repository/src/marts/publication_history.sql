-- Run after publication_summary.sql by every build: the history of the marts brought up to
-- date with what this build changed (marts.publication_history and
-- marts.publication_by_object_history, migration 000013). A row whose values differ from its
-- current version, or that is gone, closes that version; a row without a current version
-- (new, or just closed) opens one. Only the objects in changed_object are compared: an
-- incremental build lists those it rewrote or dropped, a full build every one. An unchanged
-- row, and so a build that changed nothing, adds nothing. A version's valid_from and
-- valid_to are its builds' built_at (publication_summary.sql), the time readers see as "as
-- of" (marts.build_run.finished_at).
ANALYZE changed_object;
CREATE TEMP TABLE this_build ON COMMIT DROP AS
SELECT current_setting('greenadam.build_id')::bigint AS id, max(built_at) AS built_at
FROM marts.publication;

UPDATE marts.publication_by_object_history h
SET valid_to = b.built_at, closed_by_build_id = b.id
FROM changed_object c, this_build b
WHERE h.entity = c.entity AND h.object_id = c.object_id AND h.valid_to IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM marts.publication_by_object o
      WHERE o.entity = h.entity AND o.object_id = h.object_id
        AND (o.name, o.articles, o.wikipedia, o.presskits, o.videos, o.reddit, o.photos,
             o.websites, o.twitter, o.total, o.launches, o.launch_publications)
            IS NOT DISTINCT FROM
            (h.name, h.articles, h.wikipedia, h.presskits, h.videos, h.reddit, h.photos,
             h.websites, h.twitter, h.total, h.launches, h.launch_publications));
INSERT INTO marts.publication_by_object_history
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications, valid_from, build_id)
SELECT o.entity, o.object_id, o.name, o.articles, o.wikipedia, o.presskits, o.videos,
       o.reddit, o.photos, o.websites, o.twitter, o.total, o.launches, o.launch_publications,
       b.built_at, b.id
FROM this_build b, changed_object c
JOIN marts.publication_by_object o ON o.entity = c.entity AND o.object_id = c.object_id
WHERE NOT EXISTS (SELECT 1 FROM marts.publication_by_object_history h
                  WHERE h.entity = c.entity AND h.object_id = c.object_id
                    AND h.valid_to IS NULL);

-- The three rows of marts.publication, compared whole (they carry no build of their own).
UPDATE marts.publication_history h
SET valid_to = b.built_at, closed_by_build_id = b.id
FROM this_build b
WHERE h.valid_to IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM marts.publication p
      WHERE p.entity = h.entity
        AND (p.objects, p.articles, p.wikipedia, p.presskits, p.videos, p.reddit, p.photos,
             p.websites, p.twitter, p.total)
            = (h.objects, h.articles, h.wikipedia, h.presskits, h.videos, h.reddit, h.photos,
               h.websites, h.twitter, h.total));
INSERT INTO marts.publication_history
    (entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites,
     twitter, total, valid_from, build_id)
SELECT p.entity, p.objects, p.articles, p.wikipedia, p.presskits, p.videos, p.reddit,
       p.photos, p.websites, p.twitter, p.total, p.built_at, p.build_id
FROM marts.publication p
WHERE NOT EXISTS (SELECT 1 FROM marts.publication_history h
                  WHERE h.entity = p.entity AND h.valid_to IS NULL);
