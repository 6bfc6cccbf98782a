-- Rebuilds marts.publication_by_object and marts.publication from staging.
-- Runs inside the martmaker's REPEATABLE READ transaction: readers keep seeing the previous
-- marts until it commits (DELETE + INSERT, never TRUNCATE, so views and grants survive).
-- What counts as a publication URL is decided by marts.publication_url() alone.

DELETE FROM marts.publication_by_object;
DELETE FROM marts.publication;

-- Launches: every links field that is a publication, mapped to its kind; each (kind, URL)
-- pair counts once per launch.
WITH link_kind (field, kind) AS (
    VALUES ('article_link', 'articles'), ('wikipedia', 'wikipedia'), ('presskit', 'presskits'),
           ('video_link', 'videos'), ('reddit_campaign', 'reddit'), ('reddit_launch', 'reddit'),
           ('reddit_media', 'reddit'), ('reddit_recovery', 'reddit'), ('flickr_images', 'photos')
), publication AS (
    SELECT DISTINCT l.launch_id, k.kind, marts.publication_url(l.url) AS url
    FROM staging.launch_link l
    JOIN link_kind k USING (field)
    WHERE marts.publication_url(l.url) IS NOT NULL
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
INSERT INTO marts.publication_by_object
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications)
SELECT 'launch', l.id, l.mission_name,
       coalesce(p.articles, 0), coalesce(p.wikipedia, 0), coalesce(p.presskits, 0),
       coalesce(p.videos, 0), coalesce(p.reddit, 0), coalesce(p.photos, 0), 0, 0,
       coalesce(p.articles + p.wikipedia + p.presskits + p.videos + p.reddit + p.photos, 0),
       NULL, NULL
FROM staging.launch l
LEFT JOIN per_launch p ON p.launch_id = l.id;

-- Missions: their own links, plus the launches that list them in mission_id.
WITH mission_links AS (
    SELECT m.id, m.name,
           (marts.publication_url(m.wikipedia) IS NOT NULL)::int AS wikipedia,
           (marts.publication_url(m.website) IS NOT NULL)::int   AS websites,
           (marts.publication_url(m.twitter) IS NOT NULL)::int   AS twitter
    FROM staging.mission m
), mission_launches AS (
    SELECT lm.mission_id, count(*) AS launches, sum(o.total) AS launch_publications
    FROM (SELECT DISTINCT mission_id, launch_id FROM staging.launch_mission) lm
    JOIN marts.publication_by_object o ON o.entity = 'launch' AND o.object_id = lm.launch_id
    GROUP BY lm.mission_id
)
INSERT INTO marts.publication_by_object
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications)
SELECT 'mission', m.id, m.name, 0, m.wikipedia, 0, 0, 0, 0, m.websites, m.twitter,
       m.wikipedia + m.websites + m.twitter,
       coalesce(ml.launches, 0), coalesce(ml.launch_publications, 0)
FROM mission_links m
LEFT JOIN mission_launches ml ON ml.mission_id = m.id;

-- Rockets: their wikipedia page, plus the launches flown on them.
WITH rocket_launches AS (
    SELECT l.rocket_id, count(*) AS launches, sum(o.total) AS launch_publications
    FROM staging.launch l
    JOIN marts.publication_by_object o ON o.entity = 'launch' AND o.object_id = l.id
    GROUP BY l.rocket_id
)
INSERT INTO marts.publication_by_object
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications)
SELECT 'rocket', r.id, r.name, 0, w.wikipedia, 0, 0, 0, 0, 0, 0, w.wikipedia,
       coalesce(rl.launches, 0), coalesce(rl.launch_publications, 0)
FROM staging.rocket r
CROSS JOIN LATERAL (SELECT (marts.publication_url(r.wikipedia) IS NOT NULL)::int AS wikipedia) w
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
