DROP INDEX marts.publication_contribution_object_idx;
DROP VIEW staging.launch_counted_for;
DROP VIEW staging.own_publication_count;
DROP VIEW staging.launch_publication_count;
