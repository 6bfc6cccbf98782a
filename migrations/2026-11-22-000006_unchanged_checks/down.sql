DROP INDEX staging.extract_run_entity_loaded_idx;
ALTER TABLE staging.extract_run DROP COLUMN last_checked_at, DROP COLUMN unchanged_checks;
ALTER TABLE staging.extract_run_entity DROP COLUMN fingerprint;
