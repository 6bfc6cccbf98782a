-- Brings marts.publication_by_object, marts.publication_contribution and marts.publication up
-- to date with staging, recomputing only what changed since the previous build.
--
-- Input: the setting greenadam.publication_base_run, the extract run the previous successful
-- build read (its source_run_id). Every staged row with a larger run_id was inserted or
-- changed since (a changed launch gets its links and mission list rewritten with it).
-- '0' is a full build: everything is recomputed from staging alone, nothing taken from the
-- previous marts (the first build, or one after the build's SQL changed).
-- By hand: BEGIN; SET LOCAL greenadam.publication_base_run = '0'; \i publication.sql
--
-- Runs inside the martmaker's REPEATABLE READ transaction: readers keep seeing the previous
-- marts until it commits. New rows are computed into temporary tables first; then only the
-- rows that differ are deleted and inserted, so an unchanged row is never rewritten.
-- What counts as a publication URL is decided by marts.publication_url() alone; staging
-- applies it once per value when the row is written (the generated columns
-- staging.launch_link.publication_url and staging.mission/rocket.*_publication_url), so a
-- build only counts.

-- A full build sorts or hashes every link: in memory rather than spilled to disk. JIT
-- compilation cost about a second per statement on plans estimated without statistics.
SET LOCAL work_mem = '64MB';
SET LOCAL jit = off;
-- An incremental build reads a few hundred rows by key out of 10^5: with the default random
-- page cost the planner scanned whole tables instead (the data is in memory).
SET LOCAL random_page_cost = 1.1;

CREATE TEMP TABLE build ON COMMIT DROP AS
SELECT current_setting('greenadam.publication_base_run')::bigint AS base_run;

-- How many objects staging holds in this build's snapshot: what the data-quality checks
-- compare the marts with, and how vanished launches are noticed without an anti-join.
CREATE TEMP TABLE staged_object ON COMMIT DROP AS
SELECT 'launch' AS entity, count(*) AS objects FROM staging.launch
UNION ALL
SELECT 'mission', count(*) FROM staging.mission
UNION ALL
SELECT 'rocket', count(*) FROM staging.rocket;

-- The launches whose row is recomputed: inserted or changed since the base run (and, below,
-- the vanished ones).
CREATE TEMP TABLE recount_launch (id text PRIMARY KEY) ON COMMIT DROP;
INSERT INTO recount_launch
SELECT id FROM staging.launch WHERE run_id > (SELECT base_run FROM build);
-- Temporary tables have no statistics until analysed: a full build would get nested loops.
ANALYZE recount_launch;
-- The same launches when an incremental build looks their links up one by one (below); none
-- in a full build, which reads all links in one pass (so that the planner, which sizes both
-- ways before it knows which one runs, does not plan the full build for a lookup's guess).
CREATE TEMP TABLE looked_up_launch ON COMMIT DROP AS
SELECT id FROM recount_launch WHERE (SELECT base_run FROM build) > 0;
ANALYZE looked_up_launch;

-- The recomputed rows of marts.publication_by_object.
CREATE TEMP TABLE computed_row (LIKE marts.publication_by_object) ON COMMIT DROP;

-- Launch rows. Every links field that is a publication, mapped to its kind; each (kind, URL)
-- pair counts once per launch.
WITH recount_link AS (
    -- A full build counts every link: one pass over the table.
    SELECT k.launch_id, k.field, k.publication_url
    FROM staging.launch_link k
    WHERE (SELECT base_run FROM build) = 0 AND k.publication_url IS NOT NULL
    UNION ALL
    -- An incremental one reads the recounted launches' links by key. Lateral and fenced
    -- (OFFSET 0), so that it stays a lookup per launch: right after a load, before autovacuum
    -- has analysed staging, the planner guesses thousands of links per launch and would
    -- rather scan them all (half a second at 10^5 launches, for a handful).
    SELECT k.launch_id, k.field, k.publication_url
    FROM looked_up_launch r
    CROSS JOIN LATERAL (
        SELECT k.launch_id, k.field, k.publication_url FROM staging.launch_link k
        WHERE k.launch_id = r.id AND k.publication_url IS NOT NULL
        OFFSET 0
    ) k
), link AS (
    SELECT launch_id,
           CASE field
               WHEN 'article_link' THEN 'articles'
               WHEN 'wikipedia' THEN 'wikipedia'
               WHEN 'presskit' THEN 'presskits'
               WHEN 'video_link' THEN 'videos'
               WHEN 'reddit_campaign' THEN 'reddit'
               WHEN 'reddit_launch' THEN 'reddit'
               WHEN 'reddit_media' THEN 'reddit'
               WHEN 'reddit_recovery' THEN 'reddit'
               WHEN 'flickr_images' THEN 'photos'
           END AS kind,
           publication_url AS url
    FROM recount_link
), publication AS (
    SELECT DISTINCT launch_id, kind, url
    FROM link
    WHERE kind IS NOT NULL
), per_launch AS (
    SELECT launch_id,
           count(*) FILTER (WHERE kind = 'articles')  AS articles,
           count(*) FILTER (WHERE kind = 'wikipedia') AS wikipedia,
           count(*) FILTER (WHERE kind = 'presskits') AS presskits,
           count(*) FILTER (WHERE kind = 'videos')    AS videos,
           count(*) FILTER (WHERE kind = 'reddit')    AS reddit,
           count(*) FILTER (WHERE kind = 'photos')    AS photos
    FROM publication
    GROUP BY launch_id
)
INSERT INTO computed_row
SELECT 'launch', l.id, l.mission_name,
       coalesce(p.articles, 0), coalesce(p.wikipedia, 0), coalesce(p.presskits, 0),
       coalesce(p.videos, 0), coalesce(p.reddit, 0), coalesce(p.photos, 0), 0, 0,
       coalesce(p.articles + p.wikipedia + p.presskits + p.videos + p.reddit + p.photos, 0),
       NULL, NULL
FROM recount_launch r
JOIN staging.launch l ON l.id = r.id
LEFT JOIN per_launch p ON p.launch_id = l.id;
ANALYZE computed_row;

-- Vanished launches. Every staged launch is either recounted or unchanged with its row in
-- place, so (when the previous build's counts can be trusted) there are vanished ones exactly
-- when the mart's launch rows plus the new ones outnumber staging: only then look for them.
CREATE TEMP TABLE vanished_launch ON COMMIT DROP AS
SELECT o.object_id AS id
FROM marts.publication_by_object o
WHERE o.entity = 'launch'
  AND ((SELECT base_run FROM build) = 0
       OR coalesce((SELECT objects FROM marts.publication WHERE entity = 'launch'), 0)
          + (SELECT count(*) FROM computed_row c
             WHERE NOT EXISTS (SELECT 1 FROM marts.publication_by_object o
                               WHERE o.entity = 'launch' AND o.object_id = c.object_id))
          > (SELECT objects FROM staged_object WHERE entity = 'launch'))
  AND NOT EXISTS (SELECT 1 FROM staging.launch l WHERE l.id = o.object_id);
INSERT INTO recount_launch SELECT id FROM vanished_launch;

-- A full build trusts nothing kept from before: contributions of launches it did not recount
-- (left over from launches gone from both staging and the marts) go too. Their objects are
-- re-summed anyway: a full build touches every staged mission and rocket.
DELETE FROM marts.publication_contribution p
WHERE (SELECT base_run FROM build) = 0
  AND NOT EXISTS (SELECT 1 FROM recount_launch r WHERE r.id = p.launch_id);

-- What each recounted launch adds to its missions and rockets now: once to each mission it
-- lists (even twice) and to its rocket, staged or not (a mission staged later then starts
-- with its launches counted). A vanished launch adds nothing.
CREATE TEMP TABLE computed_contribution
    (LIKE marts.publication_contribution INCLUDING INDEXES) ON COMMIT DROP;
INSERT INTO computed_contribution
SELECT DISTINCT ref.launch_id, ref.entity, ref.object_id, c.total
FROM (
    SELECT lm.launch_id, 'mission' AS entity, lm.mission_id AS object_id
    FROM staging.launch_mission lm
    JOIN recount_launch r ON r.id = lm.launch_id
    UNION ALL
    SELECT l.id, 'rocket', l.rocket_id
    FROM staging.launch l
    JOIN recount_launch r ON r.id = l.id
    WHERE l.rocket_id IS NOT NULL
) ref
JOIN computed_row c ON c.entity = 'launch' AND c.object_id = ref.launch_id;
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

-- The missions and rockets whose row may change: those whose contributions changed, and
-- those changed themselves (all of them in a full build).
CREATE TEMP TABLE touched_object ON COMMIT DROP AS
SELECT entity, object_id FROM contribution_change
UNION
SELECT 'mission', id FROM staging.mission WHERE run_id > (SELECT base_run FROM build)
UNION
SELECT 'rocket', id FROM staging.rocket WHERE run_id > (SELECT base_run FROM build);
ANALYZE touched_object;

-- Mission and rocket rows of the touched objects that are staged. Missions: their own links,
-- plus the launches that list them. Rockets: their wikipedia page, plus the launches flown
-- on them. An object with a row adds the changes to its previous sums (a rocket has a
-- quarter of all launches: re-summing it would read them all); one without (new in staging)
-- and every object in a full build sums all its contributions.
WITH launch_sum AS (
    SELECT t.entity, t.object_id,
           o.launches + coalesce(sum(d.launches), 0) AS launches,
           o.launch_publications + coalesce(sum(d.launch_publications), 0) AS launch_publications
    FROM touched_object t
    JOIN marts.publication_by_object o ON o.entity = t.entity AND o.object_id = t.object_id
    LEFT JOIN contribution_change d ON d.entity = t.entity AND d.object_id = t.object_id
    WHERE (SELECT base_run FROM build) > 0
    GROUP BY t.entity, t.object_id, o.launches, o.launch_publications
    UNION ALL
    SELECT t.entity, t.object_id, count(c.launch_id), coalesce(sum(c.total), 0)
    FROM touched_object t
    LEFT JOIN marts.publication_contribution c
           ON c.entity = t.entity AND c.object_id = t.object_id
    WHERE (SELECT base_run FROM build) = 0
       OR NOT EXISTS (SELECT 1 FROM marts.publication_by_object o
                      WHERE o.entity = t.entity AND o.object_id = t.object_id)
    GROUP BY t.entity, t.object_id
), wanted AS (
    SELECT 'mission' AS entity, m.id AS object_id, m.name, 0::bigint AS articles,
           own.wikipedia, 0::bigint AS presskits, 0::bigint AS videos, 0::bigint AS reddit,
           0::bigint AS photos, own.websites, own.twitter,
           own.wikipedia + own.websites + own.twitter AS total,
           s.launches, s.launch_publications
    FROM launch_sum s
    JOIN staging.mission m ON s.entity = 'mission' AND m.id = s.object_id
    CROSS JOIN LATERAL (
        SELECT (m.wikipedia_publication_url IS NOT NULL)::int::bigint AS wikipedia,
               (m.website_publication_url IS NOT NULL)::int::bigint AS websites,
               (m.twitter_publication_url IS NOT NULL)::int::bigint AS twitter
    ) own
    UNION ALL
    SELECT 'rocket', r.id, r.name, 0, own.wikipedia, 0, 0, 0, 0, 0, 0, own.wikipedia,
           s.launches, s.launch_publications
    FROM launch_sum s
    JOIN staging.rocket r ON s.entity = 'rocket' AND r.id = s.object_id
    CROSS JOIN LATERAL (
        SELECT (r.wikipedia_publication_url IS NOT NULL)::int::bigint AS wikipedia
    ) own
)
INSERT INTO computed_row SELECT * FROM wanted;

-- Write the rows: delete those whose values changed and those that vanished from staging,
-- drop the computed rows still there (identical), insert the rest.
DELETE FROM marts.publication_by_object o
USING computed_row c
WHERE o.entity = c.entity AND o.object_id = c.object_id AND o IS DISTINCT FROM c;
DELETE FROM marts.publication_by_object o
USING vanished_launch v
WHERE o.entity = 'launch' AND o.object_id = v.id;
DELETE FROM marts.publication_by_object o
WHERE (o.entity = 'mission'
       AND NOT EXISTS (SELECT 1 FROM staging.mission m WHERE m.id = o.object_id))
   OR (o.entity = 'rocket'
       AND NOT EXISTS (SELECT 1 FROM staging.rocket r WHERE r.id = o.object_id));
DELETE FROM computed_row c
USING marts.publication_by_object o
WHERE o.entity = c.entity AND o.object_id = c.object_id;
INSERT INTO marts.publication_by_object SELECT * FROM computed_row;

-- One row per entity, always all three, summed from the per-object rows.
DELETE FROM marts.publication;
INSERT INTO marts.publication
    (entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites,
     twitter, total, built_at)
SELECT e.entity, count(o.object_id),
       coalesce(sum(o.articles), 0), coalesce(sum(o.wikipedia), 0),
       coalesce(sum(o.presskits), 0), coalesce(sum(o.videos), 0), coalesce(sum(o.reddit), 0),
       coalesce(sum(o.photos), 0), coalesce(sum(o.websites), 0), coalesce(sum(o.twitter), 0),
       coalesce(sum(o.total), 0), now()
FROM (VALUES ('launch'), ('mission'), ('rocket')) e (entity)
LEFT JOIN marts.publication_by_object o USING (entity)
GROUP BY e.entity;
