ALTER TABLE marts.publication_by_object DROP CONSTRAINT publication_by_object_total_is_sum;
ALTER TABLE marts.publication DROP CONSTRAINT publication_total_is_sum;
ALTER TABLE marts.build_run
    DROP COLUMN launches_recounted, DROP COLUMN definition, DROP COLUMN mode;
DROP TABLE marts.publication_contribution;
DROP INDEX staging.launch_run_id_idx;
