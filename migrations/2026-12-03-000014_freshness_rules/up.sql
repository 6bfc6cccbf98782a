-- The rules of freshness and of "changed since the last build", in the database: the services
-- read these views and this function (one definition each, none spliced into their SQL), and
-- a psql user can ask the same questions. Views and a `LANGUAGE sql STABLE` function that
-- Postgres inlines, so the statements that read them keep their plans.

-- "Did extract run X refresh the launches?": it is listed here. It succeeded, or was partial
-- with the launches loaded (another entity failed or was withheld: the copy is still fresh); a
-- failed or cancelled run wrote nothing. Staging's freshness counts from these runs, and no
-- mart is built before the first of them.
CREATE VIEW staging.launch_refresh AS
SELECT run.id AS run_id, run.status, run.finished_at, run.rows_changed
FROM staging.extract_run run
WHERE run.status = 'succeeded'
   OR (run.status = 'partial' AND EXISTS (
           SELECT FROM staging.extract_run_entity loaded
           WHERE loaded.run_id = run.id
             AND loaded.entity = 'launch'
             AND loaded.status = 'succeeded'));
COMMENT ON VIEW staging.launch_refresh IS 'The extract runs that refreshed the launches (succeeded, or partial with the launches loaded): did run X refresh them? It is listed here.';
COMMENT ON COLUMN staging.launch_refresh.run_id IS 'The staging.extract_run.';
COMMENT ON COLUMN staging.launch_refresh.status IS 'succeeded or partial.';
COMMENT ON COLUMN staging.launch_refresh.finished_at IS 'When the run ended.';
COMMENT ON COLUMN staging.launch_refresh.rows_changed IS 'Staging rows it changed; 0 means the source had nothing new.';

-- How fresh staging is: what /readyz, the stale gauges, the dashboard and `status` judge, and
-- what the extractor's heartbeat keeps recent. One row, also before any run. A later check
-- that found the upstream unchanged (recorded on whichever run loaded last) confirms every
-- entity, the launches included.
CREATE VIEW staging.freshness AS
SELECT now() AS now, last.run_id, last.finished_at, last.rows_changed,
       checked.last_checked_at,
       CASE WHEN last.run_id IS NOT NULL
            THEN greatest(last.finished_at, checked.last_checked_at) END AS current_at
FROM (SELECT max(last_checked_at) AS last_checked_at FROM staging.extract_run) AS checked
LEFT JOIN LATERAL (
    SELECT refresh.run_id, refresh.finished_at, refresh.rows_changed
    FROM staging.launch_refresh refresh
    ORDER BY refresh.run_id DESC
    LIMIT 1) AS last ON true;
COMMENT ON VIEW staging.freshness IS 'How fresh staging is, one row: the last run that refreshed the launches (staging.launch_refresh) and when staging was last known to match the upstream. Its age, now - current_at, is what /readyz and the stale gauges compare with the staleness limit.';
COMMENT ON COLUMN staging.freshness.now IS 'The database clock (ages are computed against it: it wrote the timestamps).';
COMMENT ON COLUMN staging.freshness.run_id IS 'The last extract run that refreshed the launches; NULL before the first.';
COMMENT ON COLUMN staging.freshness.finished_at IS 'When that run ended.';
COMMENT ON COLUMN staging.freshness.rows_changed IS 'Staging rows that run changed; 0 means the source had nothing new.';
COMMENT ON COLUMN staging.freshness.last_checked_at IS 'The latest recorded check that found the upstream unchanged (the heartbeat), on any run.';
COMMENT ON COLUMN staging.freshness.current_at IS 'When staging was last known to match the upstream: the later of finished_at and last_checked_at; NULL before the first run that refreshed the launches.';

-- The run a build reads staging "as of": the last that loaded (succeeded or partial) and
-- changed a row. One row, NULL before the first.
CREATE VIEW staging.latest_change AS
SELECT max(id) AS run_id
FROM staging.extract_run
WHERE rows_changed > 0 AND status IN ('succeeded', 'partial');
COMMENT ON VIEW staging.latest_change IS 'The last extract run that changed staging (what a mart build reads "as of"), one row.';
COMMENT ON COLUMN staging.latest_change.run_id IS 'The last succeeded or partial run with rows_changed > 0; NULL before the first.';

-- "Did staging change since the last successful build of the mart?" The martmaker asks it on
-- every tick and again before it builds. A body parsed at creation (BEGIN ATOMIC): the
-- objects it reads are bound then and cannot be dropped from under it.
CREATE FUNCTION marts.since_last_build(mart_name text)
RETURNS TABLE (staging_change bigint, up_to_date boolean, launches_loaded boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT change.run_id,
           coalesce(build.found AND build.source_run_id IS NOT DISTINCT FROM change.run_id,
                    false),
           EXISTS (SELECT FROM staging.launch_refresh)
    FROM staging.latest_change AS change
    LEFT JOIN LATERAL (
        SELECT true AS found, last.source_run_id
        FROM marts.build_run last
        WHERE last.mart = since_last_build.mart_name AND last.status = 'succeeded'
        ORDER BY last.id DESC
        LIMIT 1) AS build ON true;
END;
COMMENT ON FUNCTION marts.since_last_build(text) IS 'Did staging change since the last successful build of mart mart_name (a marts.build_run.mart, e.g. publication)? One row: staging_change, the last run that changed staging (staging.latest_change); up_to_date, that build read exactly that run (or there is none), nothing to build; launches_loaded, a run has refreshed the launches (staging.launch_refresh): there is data to build from.';

-- The services' roles read them through the default privileges of migration 000003; a reader
-- (dashboards, psql) may see how fresh staging is, though none of its data.
GRANT USAGE ON SCHEMA staging TO greenadam_reader;
GRANT SELECT ON staging.launch_refresh, staging.freshness, staging.latest_change
    TO greenadam_extractor, greenadam_martmaker, greenadam_reader;
