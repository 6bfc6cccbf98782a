-- Data-quality results a data engineer can query (dbt's test results, `--store-failures`):
-- one row per check per build, passing checks included. Written in the build's transaction;
-- for a build its checks failed, after the rollback in its own small transaction together
-- with the build's `failed` status, so the failure is there to read while the previous marts
-- stay published.
CREATE TABLE marts.check_result (
    build_id   bigint NOT NULL REFERENCES marts.build_run (id) ON DELETE CASCADE,
    check_name text   NOT NULL,
    severity   text   NOT NULL CHECK (severity IN ('error', 'warn')),
    status     text   NOT NULL CHECK (status IN ('pass', 'warn', 'fail')),
    observed   text   NOT NULL,
    expected   text   NOT NULL,
    message    text   NOT NULL,
    PRIMARY KEY (build_id, check_name),
    -- An `error` check fails its build; a `warn` check only warns.
    CHECK (status = 'pass' OR status = CASE severity WHEN 'error' THEN 'fail' ELSE 'warn' END)
);
COMMENT ON TABLE marts.check_result IS 'One row per data-quality check per mart build, passing ones included: a failing error check rolled its build back (the previous marts stay published); a failing warn check published it anyway.';
COMMENT ON COLUMN marts.check_result.build_id IS 'The marts.build_run the check ran in.';
COMMENT ON COLUMN marts.check_result.check_name IS 'Which check (publication_entities, objects_match_staging, row_rules, row_count_change, objects_without_publication, launch_rocket_missing, launch_mission_missing; see the README).';
COMMENT ON COLUMN marts.check_result.severity IS 'error: failing it rolls the build back; warn: the build is published anyway.';
COMMENT ON COLUMN marts.check_result.status IS 'pass; warn (a warn check found something); fail (an error check failed: the build was rolled back).';
COMMENT ON COLUMN marts.check_result.observed IS 'What the check found, e.g. a count.';
COMMENT ON COLUMN marts.check_result.expected IS 'What it expects.';
COMMENT ON COLUMN marts.check_result.message IS 'One short line: what was checked and, when not passed, a few of the offending ids.';

GRANT SELECT ON marts.check_result TO greenadam_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON marts.check_result TO greenadam_martmaker;
