-- Statuses that say what happened: a run stopped by a shutdown signal is `cancelled`, not
-- `failed`; an entity the upstream cannot serve (its resolver answers GraphQL errors, or
-- records of another shape) is `unavailable`; one whose fetch shrank far below what staging
-- holds is `withheld` (not applied, its rows kept) until the shrink is accepted.
ALTER TABLE staging.extract_run DROP CONSTRAINT extract_run_status_check;
ALTER TABLE staging.extract_run ADD CONSTRAINT extract_run_status_check
    CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'cancelled'));
COMMENT ON COLUMN staging.extract_run.status IS 'running; succeeded (every entity loaded, or unavailable upstream and not required); partial (an entity failed, was withheld, or is required and unavailable: it kept its previous rows, the others loaded); failed (nothing written); cancelled (stopped by a shutdown signal, nothing written).';
COMMENT ON COLUMN staging.extract_run.error IS 'Why the run failed, was cancelled or was partial: each entity at fault with its reason, on one line of at most 1,000 characters.';

ALTER TABLE staging.extract_run_entity DROP CONSTRAINT extract_run_entity_status_check;
ALTER TABLE staging.extract_run_entity ADD CONSTRAINT extract_run_entity_status_check
    CHECK (status IN ('succeeded', 'failed', 'unavailable', 'withheld'));
COMMENT ON COLUMN staging.extract_run_entity.status IS 'succeeded (loaded); failed (the fetch or the load failed: transport, HTTP status, timeout, bad answer); unavailable (the upstream cannot serve it: GraphQL errors or records of another shape); withheld (far fewer records than staging holds: not applied until the shrink is accepted). All but succeeded keep their previous rows.';
COMMENT ON COLUMN staging.extract_run_entity.error IS 'Why it was not loaded, on one line of at most 1,000 characters (GraphQL errors collapsed by message with a count).';
