-- Data-quality checks run on the freshly built marts before they are published, in the
-- build's transaction: one row per check (check_name, passed, observed, expected, examples:
-- a few offending ids or NULL). repository::marts gives each its severity and message and
-- records it in marts.check_result; a failed `error` check rolls the build back.
-- Input: $1, the share of an entity's previous row count it may change by before
-- row_count_change warns (martmaker.row_count_change_warn).
--
-- The per-row rules (no NULL or negative count, total = the sum of the kinds, launches and
-- launch_publications set exactly for missions and rockets) are constraints of the tables:
-- a row breaking one fails the build when it is written (the check row_rules).
--
-- The reads of staging are NOT IN over a hashed subplan, not anti-joins: an incremental build
-- has turned hash joins off for its lookups by key (publication_incremental.sql).
SELECT 'publication_entities' AS check_name, observed = expected AS passed, observed, expected,
       NULL AS examples
FROM (SELECT coalesce(string_agg(entity, ', ' ORDER BY entity), 'none') AS observed,
             'launch, mission, rocket' AS expected
      FROM marts.publication) entities
UNION ALL
-- marts.publication.objects counts the per-object rows; staged_object was counted from
-- staging in this build's snapshot (publication_prepare.sql).
SELECT 'objects_match_staging', observed = expected, observed, expected, NULL
FROM (SELECT string_agg(s.entity || ' ' || coalesce(p.objects::text, 'none'), ', '
                        ORDER BY s.entity) AS observed,
             string_agg(s.entity || ' ' || s.objects, ', ' ORDER BY s.entity) AS expected
      FROM staged_object s
      LEFT JOIN marts.publication p USING (entity)) objects
UNION ALL
-- Against the marts this build replaces (previous_publication); nothing to compare with on
-- the first build.
SELECT 'row_count_change', coalesce(NOT bool_or(beyond), true),
       coalesce(string_agg(entity || ' ' || before || ' → ' || after, ', ' ORDER BY entity),
                'no previous build'),
       'each within ' || ($1::float8 * 100) || '% of the previous build',
       string_agg(entity, ', ' ORDER BY entity) FILTER (WHERE beyond)
FROM (SELECT entity, b.objects AS before, p.objects AS after,
             abs(p.objects - b.objects) > $1::float8 * greatest(b.objects, 1) AS beyond
      FROM previous_publication b
      JOIN marts.publication p USING (entity)) change
UNION ALL
-- The offending ids are looked up only when there are some (a subquery in a CASE branch runs
-- only when reached): a clean build reads each table once.
SELECT 'objects_without_publication', n = 0, n::text, '0',
       CASE WHEN n > 0 THEN
           (SELECT string_agg(entity || ' ' || object_id, ', ')
            FROM (SELECT entity, object_id FROM marts.publication_by_object
                  WHERE total = 0 ORDER BY entity, object_id LIMIT 3) first)
       END
FROM (SELECT count(*) AS n FROM marts.publication_by_object WHERE total = 0) found
UNION ALL
SELECT 'launch_rocket_missing', n = 0, n::text, '0',
       CASE WHEN n > 0 THEN
           (SELECT string_agg('launch ' || id || ' → rocket ' || rocket_id, ', ')
            FROM (SELECT id, rocket_id FROM staging.launch
                  WHERE rocket_id NOT IN (SELECT id FROM staging.rocket)
                  ORDER BY id LIMIT 3) first)
       END
FROM (SELECT count(*) AS n FROM staging.launch
      WHERE rocket_id NOT IN (SELECT id FROM staging.rocket)) found
UNION ALL
SELECT 'launch_mission_missing', n = 0, n::text, '0',
       CASE WHEN n > 0 THEN
           (SELECT string_agg('launch ' || launch_id || ' → mission ' || mission_id, ', ')
            FROM (SELECT launch_id, mission_id FROM staging.launch_mission
                  WHERE mission_id NOT IN (SELECT id FROM staging.mission)
                  ORDER BY launch_id, position LIMIT 3) first)
       END
FROM (SELECT count(DISTINCT launch_id) AS n FROM staging.launch_mission
      WHERE mission_id NOT IN (SELECT id FROM staging.mission)) found;
