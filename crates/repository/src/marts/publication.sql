-- Rebuilds marts.publication_by_object and marts.publication from staging.
-- Runs inside the martmaker's REPEATABLE READ transaction: readers keep seeing the previous
-- marts until it commits (DELETE + INSERT, never TRUNCATE, so views and grants survive).
-- What counts as a publication URL is decided by marts.publication_url() alone; staging
-- applies it once per value when the row is written (the generated columns
-- staging.launch_link.publication_url and staging.mission/rocket.*_publication_url), so a
-- build only aggregates.
--
-- Written for large staging tables that have no planner statistics yet (the martmaker runs
-- right after a load, before any ANALYZE): one sequential pass over staging.launch_link, then
-- hash joins only.

DELETE FROM marts.publication_by_object;
DELETE FROM marts.publication;

-- Every object with its counts. Launches: every links field that is a publication, mapped to
-- its kind; each (kind, URL) pair counts once per launch. Missions: their own links, plus the
-- launches that list them in mission_id. Rockets: their wikipedia page, plus the launches
-- flown on them.
WITH link AS (
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
    FROM staging.launch_link
    WHERE publication_url IS NOT NULL
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
), launch_row AS MATERIALIZED (
    SELECT l.id, l.mission_name, l.rocket_id,
           coalesce(p.articles, 0) AS articles, coalesce(p.wikipedia, 0) AS wikipedia,
           coalesce(p.presskits, 0) AS presskits, coalesce(p.videos, 0) AS videos,
           coalesce(p.reddit, 0) AS reddit, coalesce(p.photos, 0) AS photos,
           coalesce(p.articles + p.wikipedia + p.presskits + p.videos + p.reddit + p.photos, 0)
               AS total
    FROM staging.launch l
    LEFT JOIN per_launch p ON p.launch_id = l.id
), mission_launches AS (
    SELECT lm.mission_id, count(*) AS launches, sum(lr.total) AS launch_publications
    FROM (SELECT DISTINCT mission_id, launch_id FROM staging.launch_mission) lm
    JOIN launch_row lr ON lr.id = lm.launch_id
    GROUP BY lm.mission_id
), mission_links AS (
    SELECT m.id, m.name,
           (m.wikipedia_publication_url IS NOT NULL)::int AS wikipedia,
           (m.website_publication_url IS NOT NULL)::int   AS websites,
           (m.twitter_publication_url IS NOT NULL)::int   AS twitter
    FROM staging.mission m
), rocket_launches AS (
    SELECT rocket_id, count(*) AS launches, sum(total) AS launch_publications
    FROM launch_row
    GROUP BY rocket_id
)
INSERT INTO marts.publication_by_object
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications)
SELECT 'launch', id, mission_name, articles, wikipedia, presskits, videos, reddit, photos, 0, 0,
       total, NULL, NULL
FROM launch_row
UNION ALL
SELECT 'mission', m.id, m.name, 0, m.wikipedia, 0, 0, 0, 0, m.websites, m.twitter,
       m.wikipedia + m.websites + m.twitter,
       coalesce(ml.launches, 0), coalesce(ml.launch_publications, 0)
FROM mission_links m
LEFT JOIN mission_launches ml ON ml.mission_id = m.id
UNION ALL
SELECT 'rocket', r.id, r.name, 0, w.wikipedia, 0, 0, 0, 0, 0, 0, w.wikipedia,
       coalesce(rl.launches, 0), coalesce(rl.launch_publications, 0)
FROM staging.rocket r
CROSS JOIN LATERAL (SELECT (r.wikipedia_publication_url IS NOT NULL)::int AS wikipedia) w
LEFT JOIN rocket_launches rl ON rl.rocket_id = r.id;

-- One row per entity, always all three, summed from the per-object rows.
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
