-- Launch.is_tentative: whether the launch date is not final yet.
ALTER TABLE staging.launch ADD COLUMN is_tentative boolean;
COMMENT ON COLUMN staging.launch.is_tentative IS 'Its date is not final yet (upstream is_tentative).';
