//! Diesel table definitions, mirroring `migrations/` (checked by `repository`'s schema test).
#![allow(missing_docs)]

pub mod staging {
    diesel::table! {
        staging.extract_run (id) {
            id -> Int8,
            started_at -> Timestamptz,
            finished_at -> Nullable<Timestamptz>,
            status -> Text,
            rows_changed -> Int8,
            error -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.extract_run_entity (run_id, entity) {
            run_id -> Int8,
            entity -> Text,
            status -> Text,
            fetched -> Int4,
            loaded -> Int4,
            rejected -> Int4,
            inserted -> Int4,
            updated -> Int4,
            deleted -> Int4,
            pages -> Int4,
            retries -> Int4,
            error -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.rocket (id) {
            id -> Text,
            name -> Nullable<Text>,
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            active -> Nullable<Bool>,
            company -> Nullable<Text>,
            country -> Nullable<Text>,
            description -> Nullable<Text>,
            wikipedia -> Nullable<Text>,
            first_flight -> Nullable<Date>,
            cost_per_launch -> Nullable<Int8>,
            success_rate_pct -> Nullable<Int4>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.mission (id) {
            id -> Text,
            name -> Nullable<Text>,
            description -> Nullable<Text>,
            manufacturers -> Array<Text>,
            wikipedia -> Nullable<Text>,
            website -> Nullable<Text>,
            twitter -> Nullable<Text>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.launch (id) {
            id -> Text,
            mission_name -> Nullable<Text>,
            launch_date_utc -> Nullable<Timestamptz>,
            launch_date_local -> Nullable<Text>,
            launch_date_unix -> Nullable<Int8>,
            launch_year -> Nullable<Text>,
            launch_success -> Nullable<Bool>,
            upcoming -> Nullable<Bool>,
            details -> Nullable<Text>,
            rocket_id -> Nullable<Text>,
            rocket_name -> Nullable<Text>,
            rocket_type -> Nullable<Text>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.launch_mission (launch_id, position) {
            launch_id -> Text,
            position -> Int4,
            mission_id -> Text,
        }
    }

    diesel::table! {
        staging.launch_link (launch_id, field, position) {
            launch_id -> Text,
            field -> Text,
            position -> Int4,
            url -> Text,
        }
    }

    diesel::table! {
        staging.rejected (id) {
            id -> Int8,
            run_id -> Int8,
            entity -> Text,
            upstream_id -> Nullable<Text>,
            reason -> Text,
            raw -> Text,
            rejected_at -> Timestamptz,
        }
    }

    diesel::joinable!(launch_mission -> launch (launch_id));
    diesel::joinable!(launch_link -> launch (launch_id));
    diesel::joinable!(extract_run_entity -> extract_run (run_id));
    diesel::joinable!(rejected -> extract_run (run_id));
    diesel::allow_tables_to_appear_in_same_query!(
        extract_run,
        extract_run_entity,
        rocket,
        mission,
        launch,
        launch_mission,
        launch_link,
        rejected,
    );
}

pub mod marts {
    diesel::table! {
        marts.publication (entity) {
            entity -> Text,
            objects -> Int8,
            articles -> Int8,
            wikipedia -> Int8,
            presskits -> Int8,
            videos -> Int8,
            reddit -> Int8,
            photos -> Int8,
            websites -> Int8,
            twitter -> Int8,
            total -> Int8,
            built_at -> Timestamptz,
        }
    }

    diesel::table! {
        marts.publication_by_object (entity, object_id) {
            entity -> Text,
            object_id -> Text,
            name -> Nullable<Text>,
            articles -> Int8,
            wikipedia -> Int8,
            presskits -> Int8,
            videos -> Int8,
            reddit -> Int8,
            photos -> Int8,
            websites -> Int8,
            twitter -> Int8,
            total -> Int8,
            launches -> Nullable<Int8>,
            launch_publications -> Nullable<Int8>,
        }
    }

    diesel::table! {
        marts.build_run (id) {
            id -> Int8,
            mart -> Text,
            started_at -> Timestamptz,
            finished_at -> Nullable<Timestamptz>,
            status -> Text,
            source_run_id -> Nullable<Int8>,
            publication_rows -> Nullable<Int8>,
            object_rows -> Nullable<Int8>,
            error -> Nullable<Text>,
        }
    }

    diesel::allow_tables_to_appear_in_same_query!(publication, publication_by_object, build_run);
}
