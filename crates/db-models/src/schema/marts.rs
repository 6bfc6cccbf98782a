// @generated automatically by Diesel CLI.

pub mod marts {
    diesel::table! {
        /// One row per mart build the martmaker attempted (an unchanged staging writes none).
        marts.build_run (id) {
            id -> Int8,
            /// The mart built (publication: publication and publication_by_object).
            mart -> Text,
            started_at -> Timestamptz,
            finished_at -> Nullable<Timestamptz>,
            status -> Text,
            /// The last staging.extract_run that had changed staging when this build read it.
            source_run_id -> Nullable<Int8>,
            /// Rows published in marts.publication.
            publication_rows -> Nullable<Int8>,
            /// Rows published in marts.publication_by_object.
            object_rows -> Nullable<Int8>,
            /// Why the build failed (SQL error or failed data-quality checks); the previous marts were kept.
            error -> Nullable<Text>,
            /// full: every row recomputed (first build, or the build definition changed); incremental: only what changed since the previous successful build.
            mode -> Nullable<Text>,
            /// Fingerprint of the build's SQL: an incremental build needs the previous build made by the same SQL.
            definition -> Nullable<Text>,
            /// Launches whose row this build recomputed (inserted, changed or vanished since the previous build).
            launches_recounted -> Nullable<Int8>,
        }
    }

    diesel::table! {
        /// One row per data-quality check per mart build, passing ones included: a failing error check rolled its build back (the previous marts stay published); a failing warn check published it anyway.
        marts.check_result (build_id, check_name) {
            /// The marts.build_run the check ran in.
            build_id -> Int8,
            /// Which check (publication_entities, objects_match_staging, row_rules, row_count_change, objects_without_publication, launch_rocket_missing, launch_mission_missing; see the README).
            check_name -> Text,
            /// error: failing it rolls the build back; warn: the build is published anyway.
            severity -> Text,
            /// pass; warn (a warn check found something); fail (an error check failed: the build was rolled back).
            status -> Text,
            /// What the check found, e.g. a count.
            observed -> Text,
            /// What it expects.
            expected -> Text,
            /// One short line: what was checked and, when not passed, a few of the offending ids.
            message -> Text,
        }
    }

    diesel::table! {
        /// Publications (URLs of documents about an object) counted per entity: always the three rows launch, mission, rocket.
        marts.publication (entity) {
            /// launch, mission or rocket.
            entity -> Text,
            /// Number of objects of this entity in staging.
            objects -> Int8,
            /// Launch article links (links.article_link).
            articles -> Int8,
            /// Wikipedia pages (launch links.wikipedia, mission wikipedia, rocket wikipedia).
            wikipedia -> Int8,
            /// Launch press kits (links.presskit).
            presskits -> Int8,
            /// Launch videos (links.video_link).
            videos -> Int8,
            /// Distinct launch reddit threads (links.reddit_campaign, reddit_launch, reddit_media, reddit_recovery).
            reddit -> Int8,
            /// Distinct launch photos (links.flickr_images).
            photos -> Int8,
            /// Mission websites (website).
            websites -> Int8,
            /// Mission twitter accounts (twitter).
            twitter -> Int8,
            /// Sum of the kind columns.
            total -> Int8,
            /// When the martmaker published this build.
            built_at -> Timestamptz,
            /// The marts.build_run that published this row and, in the same transaction, every row of marts.publication_by_object.
            build_id -> Int8,
        }
    }

    diesel::table! {
        /// Publications counted per launch, mission and rocket (one row per object in staging).
        marts.publication_by_object (entity, object_id) {
            /// launch, mission or rocket.
            entity -> Text,
            /// The upstream id of the object.
            object_id -> Text,
            /// A launch's mission_name, a mission's or rocket's name.
            name -> Nullable<Text>,
            /// Distinct article links.
            articles -> Int8,
            /// Distinct wikipedia links.
            wikipedia -> Int8,
            /// Distinct press kit links.
            presskits -> Int8,
            /// Distinct video links.
            videos -> Int8,
            /// Distinct reddit links over the four reddit fields.
            reddit -> Int8,
            /// Distinct flickr images.
            photos -> Int8,
            /// Distinct website links (missions).
            websites -> Int8,
            /// Distinct twitter links (missions).
            twitter -> Int8,
            /// Sum of the kind columns.
            total -> Int8,
            /// Missions and rockets: staged launches that reference this object. NULL for launches.
            launches -> Nullable<Int8>,
            /// Missions and rockets: sum of total over those launches. NULL for launches.
            launch_publications -> Nullable<Int8>,
        }
    }

    diesel::table! {
        /// Every version of each marts.publication_by_object row: a build that changed an object's row (or added or dropped the object) closed the old version and opened a new one; a dropped object has no open version. As of time T: valid_from <= T AND (valid_to > T OR valid_to IS NULL).
        marts.publication_by_object_history (entity, object_id, valid_from) {
            /// launch, mission or rocket.
            entity -> Text,
            /// The upstream id of the object.
            object_id -> Text,
            /// A launch's mission_name, a mission's or rocket's name.
            name -> Nullable<Text>,
            /// Distinct article links.
            articles -> Int8,
            /// Distinct wikipedia links.
            wikipedia -> Int8,
            /// Distinct press kit links.
            presskits -> Int8,
            /// Distinct video links.
            videos -> Int8,
            /// Distinct reddit links over the four reddit fields.
            reddit -> Int8,
            /// Distinct flickr images.
            photos -> Int8,
            /// Distinct website links (missions).
            websites -> Int8,
            /// Distinct twitter links (missions).
            twitter -> Int8,
            /// Sum of the kind columns.
            total -> Int8,
            /// Missions and rockets: staged launches that reference this object. NULL for launches.
            launches -> Nullable<Int8>,
            /// Missions and rockets: sum of total over those launches. NULL for launches.
            launch_publications -> Nullable<Int8>,
            /// When the build that opened this version was published.
            valid_from -> Timestamptz,
            /// When the build that closed it was published; NULL: the current version.
            valid_to -> Nullable<Timestamptz>,
            /// The marts.build_run that opened this version.
            build_id -> Int8,
            /// The marts.build_run that closed it; NULL: the current version.
            closed_by_build_id -> Nullable<Int8>,
        }
    }

    diesel::table! {
        /// Build state of the publication marts: one row per staged launch and mission or rocket it references (resolved or not), with the launch's publication total.
        marts.publication_contribution (launch_id, entity, object_id) {
            /// The launch (staging.launch.id).
            launch_id -> Text,
            /// mission (from the launch's mission_id list) or rocket (its rocket_id).
            entity -> Text,
            /// The referenced mission or rocket id; may name no staged object yet.
            object_id -> Text,
            /// The launch's total in marts.publication_by_object.
            total -> Int8,
        }
    }

    diesel::table! {
        /// Every version of each marts.publication row: a build that changed an entity's counts closed the old version and opened a new one. As of time T: valid_from <= T AND (valid_to > T OR valid_to IS NULL).
        marts.publication_history (entity, valid_from) {
            /// launch, mission or rocket.
            entity -> Text,
            /// Number of objects of this entity in staging.
            objects -> Int8,
            /// Launch article links (links.article_link).
            articles -> Int8,
            /// Wikipedia pages (launch links.wikipedia, mission wikipedia, rocket wikipedia).
            wikipedia -> Int8,
            /// Launch press kits (links.presskit).
            presskits -> Int8,
            /// Launch videos (links.video_link).
            videos -> Int8,
            /// Distinct launch reddit threads (links.reddit_campaign, reddit_launch, reddit_media, reddit_recovery).
            reddit -> Int8,
            /// Distinct launch photos (links.flickr_images).
            photos -> Int8,
            /// Mission websites (website).
            websites -> Int8,
            /// Mission twitter accounts (twitter).
            twitter -> Int8,
            /// Sum of the kind columns.
            total -> Int8,
            /// The marts.build_run that opened this version.
            build_id -> Int8,
            /// When the build that opened this version was published.
            valid_from -> Timestamptz,
            /// When the build that closed it was published; NULL: the current version.
            valid_to -> Nullable<Timestamptz>,
            /// The marts.build_run that closed it; NULL: the current version.
            closed_by_build_id -> Nullable<Int8>,
        }
    }

    diesel::joinable!(check_result -> build_run (build_id));

    diesel::allow_tables_to_appear_in_same_query!(
        build_run,
        check_result,
        publication,
        publication_by_object,
        publication_by_object_history,
        publication_contribution,
        publication_history,
    );
}
