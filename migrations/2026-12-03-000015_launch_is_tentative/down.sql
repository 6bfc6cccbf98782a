ALTER TABLE staging.launch DROP COLUMN is_tentative;
