-- Least privilege. Three group roles (NOLOGIN); each service does SET ROLE to its own after
-- connecting, so even a bug in one cannot write where it has no business:
--   greenadam_extractor  writes staging, nothing else;
--   greenadam_martmaker  reads staging, writes marts;
--   greenadam_reader     reads marts (psql users, dashboards, the read API).
-- Roles are cluster-wide: creation tolerates their existence (another database of the same
-- cluster, or a concurrent migration, may have created them).
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['greenadam_extractor', 'greenadam_martmaker', 'greenadam_reader'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
        -- The migrating user must be able to SET ROLE to it (superusers always can).
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', role_name, current_user);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA staging, marts FROM PUBLIC;

GRANT USAGE ON SCHEMA staging TO greenadam_extractor, greenadam_martmaker;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA staging TO greenadam_extractor;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA staging TO greenadam_extractor;
GRANT SELECT ON ALL TABLES IN SCHEMA staging TO greenadam_martmaker;

GRANT USAGE ON SCHEMA marts TO greenadam_martmaker, greenadam_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA marts TO greenadam_martmaker;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA marts TO greenadam_martmaker;
GRANT SELECT ON ALL TABLES IN SCHEMA marts TO greenadam_reader;

-- Tables that later migrations (run by the same user) add get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA staging
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO greenadam_extractor;
ALTER DEFAULT PRIVILEGES IN SCHEMA staging GRANT USAGE, SELECT ON SEQUENCES TO greenadam_extractor;
ALTER DEFAULT PRIVILEGES IN SCHEMA staging GRANT SELECT ON TABLES TO greenadam_martmaker;
ALTER DEFAULT PRIVILEGES IN SCHEMA marts
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO greenadam_martmaker;
ALTER DEFAULT PRIVILEGES IN SCHEMA marts GRANT USAGE, SELECT ON SEQUENCES TO greenadam_martmaker;
ALTER DEFAULT PRIVILEGES IN SCHEMA marts GRANT SELECT ON TABLES TO greenadam_reader;
