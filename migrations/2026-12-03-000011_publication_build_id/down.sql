DROP VIEW marts.published_build;
ALTER TABLE marts.publication DROP COLUMN build_id;
