-- Takes back this database's grants. The roles themselves stay: they are cluster-wide and
-- other databases of the cluster may use them (drop them by hand if none does).
ALTER DEFAULT PRIVILEGES IN SCHEMA marts REVOKE ALL ON TABLES FROM greenadam_martmaker, greenadam_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA marts REVOKE ALL ON SEQUENCES FROM greenadam_martmaker;
ALTER DEFAULT PRIVILEGES IN SCHEMA staging REVOKE ALL ON TABLES FROM greenadam_extractor, greenadam_martmaker;
ALTER DEFAULT PRIVILEGES IN SCHEMA staging REVOKE ALL ON SEQUENCES FROM greenadam_extractor;
REVOKE ALL ON ALL TABLES IN SCHEMA marts FROM greenadam_martmaker, greenadam_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA marts FROM greenadam_martmaker;
REVOKE ALL ON ALL TABLES IN SCHEMA staging FROM greenadam_extractor, greenadam_martmaker;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA staging FROM greenadam_extractor;
REVOKE ALL ON SCHEMA staging FROM greenadam_extractor, greenadam_martmaker;
REVOKE ALL ON SCHEMA marts FROM greenadam_martmaker, greenadam_reader;
