-- Run after publication_summary.sql by every build: the history of the marts brought up to
-- date with what this build changed (marts.publication_history and
-- marts.publication_by_object_history, migration 000013). A row whose values differ from its
-- current version, or that is gone, closes that version; a row without a current version
-- (new, or just closed) opens one. Only the objects in changed_object are compared: an
-- incremental build lists those it rewrote or dropped, a full build every one. An unchanged
-- row, and so a build that changed nothing, adds nothing.
ANALYZE changed_object;

UPDATE marts.publication_by_object_history h
SET valid_to = now(), closed_by_build_id = current_setting('greenadam.build_id')::bigint
FROM changed_object c
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
       now(), current_setting('greenadam.build_id')::bigint
FROM changed_object c
JOIN marts.publication_by_object o ON o.entity = c.entity AND o.object_id = c.object_id
WHERE NOT EXISTS (SELECT 1 FROM marts.publication_by_object_history h
                  WHERE h.entity = c.entity AND h.object_id = c.object_id
                    AND h.valid_to IS NULL);

-- The three rows of marts.publication, compared whole (they carry no build of their own).
UPDATE marts.publication_history h
SET valid_to = now(), closed_by_build_id = current_setting('greenadam.build_id')::bigint
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
       p.photos, p.websites, p.twitter, p.total, now(),
       current_setting('greenadam.build_id')::bigint
FROM marts.publication p
WHERE NOT EXISTS (SELECT 1 FROM marts.publication_history h
                  WHERE h.entity = p.entity AND h.valid_to IS NULL);
