-- An unchanged upstream costs one small write: the extractor fingerprints what each entity's
-- fetch returned, and when every fingerprint equals the one staging was last loaded from, it
-- records the check on the run that loaded staging instead of opening a run and rewriting.
ALTER TABLE staging.extract_run_entity ADD COLUMN fingerprint text;
COMMENT ON COLUMN staging.extract_run_entity.fingerprint IS 'SHA-256 (hex) of the records the fetch returned, in order (NULL when the fetch failed): equal fingerprints mean an unchanged upstream.';

ALTER TABLE staging.extract_run
    ADD COLUMN unchanged_checks bigint NOT NULL DEFAULT 0 CHECK (unchanged_checks >= 0),
    ADD COLUMN last_checked_at  timestamptz;
COMMENT ON COLUMN staging.extract_run.unchanged_checks IS 'Later extractor runs that found the upstream unchanged since this run (they wrote nothing else).';
COMMENT ON COLUMN staging.extract_run.last_checked_at IS 'When the last of those checks found staging still current.';

-- The check reads, per entity, the fingerprint of its latest load.
CREATE INDEX extract_run_entity_loaded_idx ON staging.extract_run_entity (entity, run_id DESC)
    WHERE status = 'succeeded';
