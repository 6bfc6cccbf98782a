UPDATE staging.extract_run SET status = 'failed' WHERE status = 'cancelled';
UPDATE staging.extract_run_entity SET status = 'failed' WHERE status IN ('unavailable', 'withheld');
ALTER TABLE staging.extract_run DROP CONSTRAINT extract_run_status_check;
ALTER TABLE staging.extract_run ADD CONSTRAINT extract_run_status_check
    CHECK (status IN ('running', 'succeeded', 'partial', 'failed'));
ALTER TABLE staging.extract_run_entity DROP CONSTRAINT extract_run_entity_status_check;
ALTER TABLE staging.extract_run_entity ADD CONSTRAINT extract_run_entity_status_check
    CHECK (status IN ('succeeded', 'failed'));
