-- Data-quality checks run on the freshly built marts before they are published.
-- Returns one row per FAILED check (no rows: publish).
SELECT name FROM (
    SELECT 'publication has exactly the rows launch, mission, rocket' AS name,
           (SELECT array_agg(entity ORDER BY entity) FROM marts.publication)
               = ARRAY['launch', 'mission', 'rocket'] AS ok
    UNION ALL
    SELECT 'no negative or null count',
           NOT EXISTS (
               SELECT 1 FROM marts.publication
               WHERE num_nulls(objects, articles, wikipedia, presskits, videos, reddit, photos,
                               websites, twitter, total) > 0
                  OR least(objects, articles, wikipedia, presskits, videos, reddit, photos,
                           websites, twitter, total) < 0)
           AND NOT EXISTS (
               SELECT 1 FROM marts.publication_by_object
               WHERE num_nulls(articles, wikipedia, presskits, videos, reddit, photos,
                               websites, twitter, total) > 0
                  OR least(articles, wikipedia, presskits, videos, reddit, photos, websites,
                           twitter, total, launches, launch_publications) < 0)
    UNION ALL
    SELECT 'total is the sum of the kinds',
           NOT EXISTS (
               SELECT 1 FROM marts.publication
               WHERE total <> articles + wikipedia + presskits + videos + reddit + photos
                              + websites + twitter)
           AND NOT EXISTS (
               SELECT 1 FROM marts.publication_by_object
               WHERE total <> articles + wikipedia + presskits + videos + reddit + photos
                              + websites + twitter)
    UNION ALL
    SELECT 'publication equals the sums of publication_by_object',
           NOT EXISTS (
               SELECT 1
               FROM marts.publication p
               LEFT JOIN (
                   SELECT entity, count(*) AS objects, sum(articles) AS articles,
                          sum(wikipedia) AS wikipedia, sum(presskits) AS presskits,
                          sum(videos) AS videos, sum(reddit) AS reddit, sum(photos) AS photos,
                          sum(websites) AS websites, sum(twitter) AS twitter, sum(total) AS total
                   FROM marts.publication_by_object GROUP BY entity
               ) o USING (entity)
               WHERE (p.objects, p.articles, p.wikipedia, p.presskits, p.videos, p.reddit,
                      p.photos, p.websites, p.twitter, p.total)
                     IS DISTINCT FROM
                     (coalesce(o.objects, 0), coalesce(o.articles, 0), coalesce(o.wikipedia, 0),
                      coalesce(o.presskits, 0), coalesce(o.videos, 0), coalesce(o.reddit, 0),
                      coalesce(o.photos, 0), coalesce(o.websites, 0), coalesce(o.twitter, 0),
                      coalesce(o.total, 0)))
    UNION ALL
    SELECT 'objects match staging',
           (SELECT count(*) FROM marts.publication_by_object WHERE entity = 'launch')
               = (SELECT count(*) FROM staging.launch)
           AND (SELECT count(*) FROM marts.publication_by_object WHERE entity = 'mission')
               = (SELECT count(*) FROM staging.mission)
           AND (SELECT count(*) FROM marts.publication_by_object WHERE entity = 'rocket')
               = (SELECT count(*) FROM staging.rocket)
) checks
WHERE ok IS NOT TRUE;
