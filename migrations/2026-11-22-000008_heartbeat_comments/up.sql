-- The extractor now writes its unchanged checks down in batches (a heartbeat at most once per
-- heartbeat interval) instead of on every check: the comments say what the columns hold now.
COMMENT ON COLUMN staging.extract_run.unchanged_checks IS 'Later extractor checks that found the upstream unchanged since this run (they loaded nothing), written down in batches by the extractor''s heartbeat, at most once per heartbeat interval (half the staleness limit, 1h30m by default); checks an extractor had not written down when it stopped are not counted.';
COMMENT ON COLUMN staging.extract_run.last_checked_at IS 'When the last of those recorded checks found staging still current (the heartbeat: up to one heartbeat interval behind the extractor''s latest check).';
