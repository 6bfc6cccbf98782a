-- What each staged object counts, as views the mart builds read: one definition for the full
-- and the incremental build, and a way to ask by hand why a launch, mission or rocket counts
-- what it does (the marts hold the result of the last build).
-- A URL counts when marts.publication_url() says so (the generated *publication_url columns).

-- Every staged launch with its publication links by kind. Each links field that is a
-- publication belongs to one kind (the four reddit fields to one); each (kind, URL) pair
-- counts once per launch. One ordered pass over the links' primary key, no hashing of all
-- (launch, kind, URL) triples: a full build counts a million links in about a second.
CREATE VIEW staging.launch_publication_count AS
WITH per_launch AS (
    SELECT launch_id,
           count(DISTINCT publication_url) FILTER (WHERE field = 'article_link') AS articles,
           count(DISTINCT publication_url) FILTER (WHERE field = 'wikipedia') AS wikipedia,
           count(DISTINCT publication_url) FILTER (WHERE field = 'presskit') AS presskits,
           count(DISTINCT publication_url) FILTER (WHERE field = 'video_link') AS videos,
           count(DISTINCT publication_url) FILTER (
               WHERE field IN ('reddit_campaign', 'reddit_launch', 'reddit_media',
                               'reddit_recovery')) AS reddit,
           count(DISTINCT publication_url) FILTER (WHERE field = 'flickr_images') AS photos
    FROM staging.launch_link
    WHERE publication_url IS NOT NULL
    GROUP BY launch_id
)
SELECT l.id AS launch_id, l.mission_name,
       coalesce(p.articles, 0) AS articles, coalesce(p.wikipedia, 0) AS wikipedia,
       coalesce(p.presskits, 0) AS presskits, coalesce(p.videos, 0) AS videos,
       coalesce(p.reddit, 0) AS reddit, coalesce(p.photos, 0) AS photos,
       coalesce(p.articles + p.wikipedia + p.presskits + p.videos + p.reddit + p.photos, 0)
           AS total
FROM staging.launch l
LEFT JOIN per_launch p ON p.launch_id = l.id;
COMMENT ON VIEW staging.launch_publication_count IS 'Every staged launch with its publications by kind, as the next mart build counts them (computed on read).';

-- Every staged mission and rocket with its own publication links (a mission's wikipedia,
-- website and twitter, a rocket's wikipedia), not counting its launches.
CREATE VIEW staging.own_publication_count AS
SELECT entity, object_id, name, wikipedia, websites, twitter,
       wikipedia + websites + twitter AS total
FROM (
    SELECT 'mission'::text AS entity, id AS object_id, name,
           (wikipedia_publication_url IS NOT NULL)::int::bigint AS wikipedia,
           (website_publication_url IS NOT NULL)::int::bigint AS websites,
           (twitter_publication_url IS NOT NULL)::int::bigint AS twitter
    FROM staging.mission
    UNION ALL
    SELECT 'rocket', id, name, (wikipedia_publication_url IS NOT NULL)::int::bigint, 0, 0
    FROM staging.rocket
) own;
COMMENT ON VIEW staging.own_publication_count IS 'Every staged mission and rocket with its own publications by kind (its launches not counted), as the next mart build counts them.';

-- What each staged launch is counted for: every mission it lists (once, even if listed
-- twice) and its rocket, staged or not (a mission staged later then starts with its launches
-- counted). A mission's or rocket's launches and launch_publications sum over these.
CREATE VIEW staging.launch_counted_for AS
SELECT DISTINCT launch_id, 'mission'::text AS entity, mission_id AS object_id
FROM staging.launch_mission
UNION ALL
SELECT id, 'rocket', rocket_id
FROM staging.launch
WHERE rocket_id IS NOT NULL;
COMMENT ON VIEW staging.launch_counted_for IS 'Every staged launch with each mission it lists and its rocket: the objects whose launches and launch_publications it counts towards.';

-- An incremental build re-sums a mission or rocket new in staging from the contributions of
-- its launches: read by key, not by scanning every contribution. With launch_id last, a
-- lookup of one contribution is exact by either index (the planner, without statistics,
-- picks either).
CREATE UNIQUE INDEX publication_contribution_object_idx
    ON marts.publication_contribution (entity, object_id, launch_id);
