COMMENT ON COLUMN staging.extract_run.unchanged_checks IS 'Later extractor runs that found the upstream unchanged since this run (they wrote nothing else).';
COMMENT ON COLUMN staging.extract_run.last_checked_at IS 'When the last of those checks found staging still current.';
