ALTER TABLE staging.rocket DROP COLUMN wikipedia_publication_url;
ALTER TABLE staging.mission
    DROP COLUMN twitter_publication_url,
    DROP COLUMN website_publication_url,
    DROP COLUMN wikipedia_publication_url;
ALTER TABLE staging.launch_link DROP COLUMN publication_url;
