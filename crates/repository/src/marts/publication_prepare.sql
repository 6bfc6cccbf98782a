-- Run first by every build of the publication marts (full or incremental), inside the
-- martmaker's REPEATABLE READ transaction: readers keep seeing the previous marts until it
-- commits. What each object counts is defined by the views staging.launch_publication_count
-- and staging.own_publication_count; a build stores and sums it.

-- A full build sorts or hashes every link: in memory rather than spilled to disk. JIT
-- compilation cost about a second per statement on plans estimated without statistics.
SET LOCAL work_mem = '64MB';
SET LOCAL jit = off;
-- An incremental build reads a few hundred rows by key out of 10^5: with the default random
-- page cost the planner scanned whole tables instead (the data is in memory).
SET LOCAL random_page_cost = 1.1;

-- How many objects staging holds in this build's snapshot: what the data-quality checks
-- compare the marts with (publication_checks.sql), and how an incremental build notices
-- vanished launches without an anti-join.
CREATE TEMP TABLE staged_object ON COMMIT DROP AS
SELECT 'launch' AS entity, count(*) AS objects FROM staging.launch
UNION ALL
SELECT 'mission', count(*) FROM staging.mission
UNION ALL
SELECT 'rocket', count(*) FROM staging.rocket;

-- The row counts of the marts this build replaces (none before the first build): what the
-- check row_count_change compares with (publication_checks.sql).
CREATE TEMP TABLE previous_publication ON COMMIT DROP AS
SELECT entity, objects FROM marts.publication;

-- The objects whose row this build may have changed: those the history compares with their
-- current version (publication_history.sql).
CREATE TEMP TABLE changed_object (
    entity    text NOT NULL,
    object_id text NOT NULL,
    PRIMARY KEY (entity, object_id)
) ON COMMIT DROP;
