-- Data-quality checks run on the freshly built marts before they are published.
-- Returns one row per FAILED check (no rows: publish).
--
-- The per-row rules (no NULL or negative count, total = the sum of the kinds, launches and
-- launch_publications set exactly for missions and rockets) are constraints of the tables:
-- a row breaking one fails the build when it is written.
SELECT name FROM (
    SELECT 'publication has exactly the rows launch, mission, rocket' AS name,
           (SELECT array_agg(entity ORDER BY entity) FROM marts.publication)
               = ARRAY['launch', 'mission', 'rocket'] AS ok
    UNION ALL
    -- marts.publication.objects counts the per-object rows; staged_object was counted from
    -- staging in this build's snapshot (publication.sql).
    SELECT 'objects match staging',
           NOT EXISTS (
               SELECT 1
               FROM staged_object s
               LEFT JOIN marts.publication p USING (entity)
               WHERE p.objects IS DISTINCT FROM s.objects)
) checks
WHERE ok IS NOT TRUE;
