-- Which build the published marts come from, so that a reader (the read API, a dashboard)
-- can say "as of build N" and tie what it shows to that build's row in marts.build_run (its
-- source extract run, its mode, its checks). On marts.publication, which every build rewrites
-- whole: marts.publication_by_object is published in the same transaction, so its rows are
-- those of the same build; a column there would make every build rewrite every row, and the
-- incremental build writes only the rows whose counts changed. No foreign key: the build
-- history may be pruned (or lost) while the marts stay published.
ALTER TABLE marts.publication ADD COLUMN build_id bigint;
UPDATE marts.publication
SET build_id = (SELECT max(id) FROM marts.build_run
                WHERE mart = 'publication' AND status = 'succeeded');
ALTER TABLE marts.publication ALTER COLUMN build_id SET NOT NULL;
COMMENT ON COLUMN marts.publication.build_id IS 'The marts.build_run that published this row and, in the same transaction, every row of marts.publication_by_object.';

-- The build whose rows are published, for readers: one row, none before the first build.
CREATE VIEW marts.published_build AS
SELECT build.id, build.finished_at AS built_at, build.source_run_id, build.mode,
       build.launches_recounted
FROM marts.build_run build
WHERE build.id = (SELECT build_id FROM marts.publication LIMIT 1);
COMMENT ON VIEW marts.published_build IS 'The build the published marts come from (publication and publication_by_object): what a dashboard shows as "as of".';
GRANT SELECT ON marts.published_build TO greenadam_reader, greenadam_martmaker;
