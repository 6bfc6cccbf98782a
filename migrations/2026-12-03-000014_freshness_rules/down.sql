REVOKE USAGE ON SCHEMA staging FROM greenadam_reader;
DROP FUNCTION marts.since_last_build(text);
DROP VIEW staging.latest_change;
DROP VIEW staging.freshness;
DROP VIEW staging.launch_refresh;
