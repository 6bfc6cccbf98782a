-- marts.publication_url() applied once per value, when staging writes the row, instead of on
-- every row at every mart build: STORED generated columns (COPY and INSERT compute them too;
-- an upsert that skips an unchanged row does not recompute anything). The rule itself stays
-- in marts.publication_url() alone: these columns only cache its answer.
--
-- A later change of the rule (CREATE OR REPLACE FUNCTION marts.publication_url) does not
-- recompute stored values: the migration that changes it must also rewrite these columns,
-- e.g. by dropping and re-adding them.
--
-- The extractor's role writes these tables: computing the columns needs only EXECUTE on the
-- function (PUBLIC has it), not USAGE on schema marts (the expression is bound at creation).
ALTER TABLE staging.launch_link
    ADD COLUMN publication_url text GENERATED ALWAYS AS (marts.publication_url(url)) STORED;
COMMENT ON COLUMN staging.launch_link.publication_url IS 'marts.publication_url(url): the trimmed URL if it counts as a publication, else NULL (generated when the row is written).';

ALTER TABLE staging.mission
    ADD COLUMN wikipedia_publication_url text
        GENERATED ALWAYS AS (marts.publication_url(wikipedia)) STORED,
    ADD COLUMN website_publication_url text
        GENERATED ALWAYS AS (marts.publication_url(website)) STORED,
    ADD COLUMN twitter_publication_url text
        GENERATED ALWAYS AS (marts.publication_url(twitter)) STORED;
COMMENT ON COLUMN staging.mission.wikipedia_publication_url IS 'marts.publication_url(wikipedia) (generated when the row is written).';
COMMENT ON COLUMN staging.mission.website_publication_url IS 'marts.publication_url(website) (generated when the row is written).';
COMMENT ON COLUMN staging.mission.twitter_publication_url IS 'marts.publication_url(twitter) (generated when the row is written).';

ALTER TABLE staging.rocket
    ADD COLUMN wikipedia_publication_url text
        GENERATED ALWAYS AS (marts.publication_url(wikipedia)) STORED;
COMMENT ON COLUMN staging.rocket.wikipedia_publication_url IS 'marts.publication_url(wikipedia) (generated when the row is written).';
