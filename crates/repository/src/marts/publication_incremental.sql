-- An incremental build of marts.publication_by_object and marts.publication_contribution:
-- brings them up to date with staging by recomputing only what changed since the previous
-- successful build. Between publication_prepare.sql and publication_summary.sql.
--
-- Input: the setting greenadam.publication_base_run, the extract run the previous build read
-- (its source_run_id). Every staged row with a larger run_id was inserted or changed since
-- (a changed launch gets its links and mission list rewritten with it).
-- By hand: BEGIN; SET LOCAL greenadam.publication_base_run = '42'; then the three files.
--
-- New rows are computed into temporary tables first; then only the rows that differ are
-- deleted and inserted, so an unchanged row is never rewritten.
--
-- Every join here looks a few hundred recounted rows up by key in tables of 10^5. Without
-- fresh statistics on the marts (and even with them) the planner took scanning and hashing a
-- whole table to be cheaper: 100 ms a statement at 10^5, against 10 ms of lookups. So joins
-- are nested loops, and every table joined to has an index on the join's key (the temporary
-- ones too). The reads from staging are also lateral and fenced (OFFSET 0): right after a
-- load, before autovacuum has analysed staging, the planner guesses thousands of links per
-- launch and would rather scan them all.
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;

-- The launches whose row is recomputed: inserted or changed since the base run (and, below,
-- the vanished ones).
CREATE TEMP TABLE recount_launch (id text PRIMARY KEY) ON COMMIT DROP;
INSERT INTO recount_launch
SELECT id FROM staging.launch
WHERE run_id > current_setting('greenadam.publication_base_run')::bigint;
-- Temporary tables have no statistics until analysed.
ANALYZE recount_launch;

-- The recomputed rows of marts.publication_by_object, launches first.
CREATE TEMP TABLE computed_row
    (LIKE marts.publication_by_object, PRIMARY KEY (entity, object_id)) ON COMMIT DROP;
INSERT INTO computed_row
SELECT 'launch', p.launch_id, p.mission_name, p.articles, p.wikipedia, p.presskits, p.videos,
       p.reddit, p.photos, 0, 0, p.total, NULL, NULL
FROM recount_launch r
CROSS JOIN LATERAL (
    SELECT * FROM staging.launch_publication_count p WHERE p.launch_id = r.id OFFSET 0
) p;
ANALYZE computed_row;

-- Vanished launches. Every staged launch is either recounted or unchanged with its row in
-- place, so there are vanished ones exactly when the mart's launch rows plus the new ones
-- outnumber staging: only then look for them. (The OFFSET 0 keeps "has a row" a lookup per
-- launch: as an anti-join, the planner without statistics rescanned all launch rows for each.)
CREATE TEMP TABLE vanished_launch ON COMMIT DROP AS
SELECT o.object_id AS id
FROM marts.publication_by_object o
WHERE o.entity = 'launch'
  AND coalesce((SELECT objects FROM marts.publication WHERE entity = 'launch'), 0)
      + (SELECT count(*) FROM computed_row c
         WHERE NOT EXISTS (SELECT 1 FROM marts.publication_by_object o
                           WHERE o.entity = 'launch' AND o.object_id = c.object_id
                           OFFSET 0))
      > (SELECT objects FROM staged_object WHERE entity = 'launch')
  AND NOT EXISTS (SELECT 1 FROM staging.launch l WHERE l.id = o.object_id);
INSERT INTO recount_launch SELECT id FROM vanished_launch;

-- What each recounted launch adds to the missions and rockets it is counted for now (a
-- vanished launch adds nothing).
CREATE TEMP TABLE computed_contribution
    (LIKE marts.publication_contribution INCLUDING INDEXES) ON COMMIT DROP;
INSERT INTO computed_contribution
SELECT f.launch_id, f.entity, f.object_id, c.total
FROM computed_row c
CROSS JOIN LATERAL (
    SELECT * FROM staging.launch_counted_for f WHERE f.launch_id = c.object_id OFFSET 0
) f
WHERE c.entity = 'launch';
ANALYZE computed_contribution;

-- Write the contributions that differ, keeping each as a change of -1 or +1 launch to its
-- mission or rocket: delete the recounted launches' rows that have no identical computed
-- one, drop the computed rows still there (identical), insert the rest.
CREATE TEMP TABLE contribution_change (
    entity              text   NOT NULL,
    object_id           text   NOT NULL,
    launches            bigint NOT NULL,
    launch_publications bigint NOT NULL
) ON COMMIT DROP;
WITH gone AS (
    DELETE FROM marts.publication_contribution p
    USING recount_launch r
    WHERE p.launch_id = r.id
      AND NOT EXISTS (SELECT 1 FROM computed_contribution c
                      WHERE (c.launch_id, c.entity, c.object_id, c.total)
                            = (p.launch_id, p.entity, p.object_id, p.total))
    RETURNING p.entity, p.object_id, p.total
)
INSERT INTO contribution_change SELECT entity, object_id, -1, -total FROM gone;
DELETE FROM computed_contribution c
USING marts.publication_contribution p
WHERE (p.launch_id, p.entity, p.object_id) = (c.launch_id, c.entity, c.object_id);
WITH added AS (
    INSERT INTO marts.publication_contribution SELECT * FROM computed_contribution
    RETURNING entity, object_id, total
)
INSERT INTO contribution_change SELECT entity, object_id, 1, total FROM added;
CREATE INDEX ON contribution_change (entity, object_id);

-- The missions and rockets whose row may change: those whose contributions changed, and
-- those changed themselves.
CREATE TEMP TABLE touched_object ON COMMIT DROP AS
SELECT entity, object_id FROM contribution_change
UNION
SELECT 'mission', id FROM staging.mission
WHERE run_id > current_setting('greenadam.publication_base_run')::bigint
UNION
SELECT 'rocket', id FROM staging.rocket
WHERE run_id > current_setting('greenadam.publication_base_run')::bigint;
ANALYZE touched_object;

-- Mission and rocket rows of the touched objects that are staged: their own links, plus
-- their launches. An object with a row adds the changes to its previous sums (a rocket has a
-- quarter of all launches: re-summing it would read them all); one without (new in staging)
-- sums all its contributions.
WITH new_object AS MATERIALIZED (
    -- First, so that only their contributions are read (not those of every touched rocket).
    SELECT t.entity, t.object_id
    FROM touched_object t
    WHERE NOT EXISTS (SELECT 1 FROM marts.publication_by_object o
                      WHERE o.entity = t.entity AND o.object_id = t.object_id)
), launch_sum AS (
    SELECT t.entity, t.object_id,
           o.launches + coalesce(sum(d.launches), 0) AS launches,
           o.launch_publications + coalesce(sum(d.launch_publications), 0) AS launch_publications
    FROM touched_object t
    JOIN marts.publication_by_object o ON o.entity = t.entity AND o.object_id = t.object_id
    LEFT JOIN contribution_change d ON d.entity = t.entity AND d.object_id = t.object_id
    GROUP BY t.entity, t.object_id, o.launches, o.launch_publications
    UNION ALL
    SELECT n.entity, n.object_id, count(c.launch_id), coalesce(sum(c.total), 0)
    FROM new_object n
    LEFT JOIN marts.publication_contribution c
           ON c.entity = n.entity AND c.object_id = n.object_id
    GROUP BY n.entity, n.object_id
)
INSERT INTO computed_row
SELECT o.entity, o.object_id, o.name, 0, o.wikipedia, 0, 0, 0, 0, o.websites, o.twitter,
       o.total, s.launches, s.launch_publications
FROM launch_sum s
CROSS JOIN LATERAL (
    SELECT * FROM staging.own_publication_count o
    WHERE o.entity = s.entity AND o.object_id = s.object_id
    OFFSET 0
) o;

-- Write the rows: delete those whose values changed and those that vanished from staging,
-- drop the computed rows still there (identical), insert the rest. Every row deleted or
-- inserted is listed in changed_object, for the history (publication_history.sql).
DELETE FROM marts.publication_by_object o
USING computed_row c
WHERE o.entity = c.entity AND o.object_id = c.object_id AND o IS DISTINCT FROM c;
WITH gone AS (
    DELETE FROM marts.publication_by_object o
    USING vanished_launch v
    WHERE o.entity = 'launch' AND o.object_id = v.id
    RETURNING o.entity, o.object_id
)
INSERT INTO changed_object SELECT entity, object_id FROM gone;
WITH gone AS (
    DELETE FROM marts.publication_by_object o
    WHERE (o.entity = 'mission'
           AND NOT EXISTS (SELECT 1 FROM staging.mission m WHERE m.id = o.object_id))
       OR (o.entity = 'rocket'
           AND NOT EXISTS (SELECT 1 FROM staging.rocket r WHERE r.id = o.object_id))
    RETURNING o.entity, o.object_id
)
INSERT INTO changed_object SELECT entity, object_id FROM gone;
DELETE FROM computed_row c
USING marts.publication_by_object o
WHERE o.entity = c.entity AND o.object_id = c.object_id;
INSERT INTO marts.publication_by_object SELECT * FROM computed_row;
INSERT INTO changed_object SELECT entity, object_id FROM computed_row
ON CONFLICT DO NOTHING;
