-- A full build of marts.publication_by_object and marts.publication_contribution: everything
-- recomputed from staging alone, nothing kept from the previous marts (the first build, the
-- first after the build's definition changed, the first after a failed build).
-- Between publication_prepare.sql and publication_summary.sql.
--
-- One pass over the links and hash joins: written for large staging tables that have no
-- planner statistics yet (the martmaker runs right after a load, before any ANALYZE).

DELETE FROM marts.publication_by_object;
DELETE FROM marts.publication_contribution;

-- Launch rows; what each launch adds to the missions and rockets it is counted for; mission
-- and rocket rows, their own links plus the sums of those contributions.
WITH launch_row AS MATERIALIZED (
    SELECT * FROM staging.launch_publication_count
), contribution AS (
    INSERT INTO marts.publication_contribution (launch_id, entity, object_id, total)
    SELECT f.launch_id, f.entity, f.object_id, l.total
    FROM staging.launch_counted_for f
    JOIN launch_row l ON l.launch_id = f.launch_id
    RETURNING entity, object_id, total
), launch_sum AS (
    SELECT entity, object_id, count(*) AS launches, sum(total) AS launch_publications
    FROM contribution
    GROUP BY entity, object_id
)
INSERT INTO marts.publication_by_object
    (entity, object_id, name, articles, wikipedia, presskits, videos, reddit, photos,
     websites, twitter, total, launches, launch_publications)
SELECT 'launch', launch_id, mission_name, articles, wikipedia, presskits, videos, reddit,
       photos, 0, 0, total, NULL, NULL
FROM launch_row
UNION ALL
SELECT o.entity, o.object_id, o.name, 0, o.wikipedia, 0, 0, 0, 0, o.websites, o.twitter,
       o.total, coalesce(s.launches, 0), coalesce(s.launch_publications, 0)
FROM staging.own_publication_count o
LEFT JOIN launch_sum s ON s.entity = o.entity AND s.object_id = o.object_id;

-- Any row may have changed: the history compares every one, and every current version (an
-- object that is gone).
INSERT INTO changed_object
SELECT entity, object_id FROM marts.publication_by_object
UNION
SELECT entity, object_id FROM marts.publication_by_object_history WHERE valid_to IS NULL;
