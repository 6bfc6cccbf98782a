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
            unchanged_checks -> Int8,
            last_checked_at -> Nullable<Timestamptz>,
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
            fingerprint -> Nullable<Text>,
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
            wikipedia_publication_url -> Nullable<Text>,
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
            wikipedia_publication_url -> Nullable<Text>,
            website_publication_url -> Nullable<Text>,
            twitter_publication_url -> Nullable<Text>,
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
            publication_url -> Nullable<Text>,
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

    diesel::table! {
        staging.capsule (id) {
            id -> Text,
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            status -> Nullable<Text>,
            landings -> Nullable<Int4>,
            reuse_count -> Nullable<Int4>,
            original_launch -> Nullable<Timestamptz>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.core (id) {
            id -> Text,
            block -> Nullable<Int4>,
            status -> Nullable<Text>,
            original_launch -> Nullable<Timestamptz>,
            reuse_count -> Nullable<Int4>,
            rtls_attempts -> Nullable<Int4>,
            rtls_landings -> Nullable<Int4>,
            asds_attempts -> Nullable<Int4>,
            asds_landings -> Nullable<Int4>,
            water_landing -> Nullable<Bool>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.dragon (id) {
            id -> Text,
            name -> Nullable<Text>,
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            active -> Nullable<Bool>,
            crew_capacity -> Nullable<Int4>,
            description -> Nullable<Text>,
            dry_mass_kg -> Nullable<Int4>,
            first_flight -> Nullable<Date>,
            orbit_duration_yr -> Nullable<Int4>,
            sidewall_angle_deg -> Nullable<Float8>,
            wikipedia -> Nullable<Text>,
            diameter_meters -> Nullable<Float8>,
            height_w_trunk_meters -> Nullable<Float8>,
            heat_shield_material -> Nullable<Text>,
            heat_shield_size_meters -> Nullable<Float8>,
            heat_shield_temp_degrees -> Nullable<Int4>,
            heat_shield_dev_partner -> Nullable<Text>,
            launch_payload_mass_kg -> Nullable<Int4>,
            return_payload_mass_kg -> Nullable<Int4>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.history (id) {
            id -> Text,
            title -> Nullable<Text>,
            details -> Nullable<Text>,
            event_date_utc -> Nullable<Timestamptz>,
            event_date_unix -> Nullable<Int8>,
            links_article -> Nullable<Text>,
            links_reddit -> Nullable<Text>,
            links_wikipedia -> Nullable<Text>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.landpad (id) {
            id -> Text,
            full_name -> Nullable<Text>,
            status -> Nullable<Text>,
            landing_type -> Nullable<Text>,
            attempted_landings -> Nullable<Text>,
            successful_landings -> Nullable<Text>,
            details -> Nullable<Text>,
            wikipedia -> Nullable<Text>,
            location_name -> Nullable<Text>,
            location_region -> Nullable<Text>,
            location_latitude -> Nullable<Float8>,
            location_longitude -> Nullable<Float8>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.launchpad (id) {
            id -> Text,
            name -> Nullable<Text>,
            status -> Nullable<Text>,
            attempted_launches -> Nullable<Int4>,
            successful_launches -> Nullable<Int4>,
            details -> Nullable<Text>,
            wikipedia -> Nullable<Text>,
            location_name -> Nullable<Text>,
            location_region -> Nullable<Text>,
            location_latitude -> Nullable<Float8>,
            location_longitude -> Nullable<Float8>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.payload (id) {
            id -> Text,
            payload_type -> Nullable<Text>,
            manufacturer -> Nullable<Text>,
            nationality -> Nullable<Text>,
            customers -> Array<Text>,
            norad_id -> Array<Int4>,
            orbit -> Nullable<Text>,
            payload_mass_kg -> Nullable<Float8>,
            payload_mass_lbs -> Nullable<Float8>,
            reused -> Nullable<Bool>,
            orbit_params_regime -> Nullable<Text>,
            orbit_params_reference_system -> Nullable<Text>,
            orbit_params_periapsis_km -> Nullable<Float8>,
            orbit_params_apoapsis_km -> Nullable<Float8>,
            orbit_params_inclination_deg -> Nullable<Float8>,
            orbit_params_period_min -> Nullable<Float8>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.ship (id) {
            id -> Text,
            name -> Nullable<Text>,
            model -> Nullable<Text>,
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            roles -> Array<Text>,
            active -> Nullable<Bool>,
            status -> Nullable<Text>,
            home_port -> Nullable<Text>,
            year_built -> Nullable<Int4>,
            imo -> Nullable<Int4>,
            mmsi -> Nullable<Int4>,
            abs -> Nullable<Int4>,
            class -> Nullable<Int4>,
            weight_kg -> Nullable<Int4>,
            weight_lbs -> Nullable<Int4>,
            speed_kn -> Nullable<Float8>,
            course_deg -> Nullable<Int4>,
            successful_landings -> Nullable<Int4>,
            attempted_landings -> Nullable<Int4>,
            url -> Nullable<Text>,
            image -> Nullable<Text>,
            position_latitude -> Nullable<Float8>,
            position_longitude -> Nullable<Float8>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.company (id) {
            id -> Text,
            name -> Nullable<Text>,
            founder -> Nullable<Text>,
            founded -> Nullable<Int4>,
            employees -> Nullable<Int4>,
            vehicles -> Nullable<Int4>,
            launch_sites -> Nullable<Int4>,
            test_sites -> Nullable<Int4>,
            ceo -> Nullable<Text>,
            cto -> Nullable<Text>,
            coo -> Nullable<Text>,
            cto_propulsion -> Nullable<Text>,
            valuation -> Nullable<Float8>,
            summary -> Nullable<Text>,
            headquarters_address -> Nullable<Text>,
            headquarters_city -> Nullable<Text>,
            headquarters_state -> Nullable<Text>,
            links_website -> Nullable<Text>,
            links_flickr -> Nullable<Text>,
            links_twitter -> Nullable<Text>,
            links_elon_twitter -> Nullable<Text>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.roadster (id) {
            id -> Text,
            name -> Nullable<Text>,
            details -> Nullable<Text>,
            wikipedia -> Nullable<Text>,
            launch_date_utc -> Nullable<Timestamptz>,
            launch_date_unix -> Nullable<Int8>,
            launch_mass_kg -> Nullable<Int4>,
            norad_id -> Nullable<Int4>,
            orbit_type -> Nullable<Float8>,
            period_days -> Nullable<Float8>,
            speed_kph -> Nullable<Float8>,
            earth_distance_km -> Nullable<Float8>,
            mars_distance_km -> Nullable<Float8>,
            raw -> Jsonb,
            run_id -> Int8,
        }
    }

    diesel::table! {
        staging.launch_ship (launch_id, position) {
            launch_id -> Text,
            position -> Int4,
            ship_id -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.launch_core (launch_id, position) {
            launch_id -> Text,
            position -> Int4,
            core_id -> Nullable<Text>,
            flight -> Nullable<Int4>,
            block -> Nullable<Int4>,
            gridfins -> Nullable<Bool>,
            legs -> Nullable<Bool>,
            reused -> Nullable<Bool>,
            land_success -> Nullable<Bool>,
            landing_intent -> Nullable<Bool>,
            landing_type -> Nullable<Text>,
            landing_vehicle -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.launch_payload (launch_id, position) {
            launch_id -> Text,
            position -> Int4,
            payload_id -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.launch_site (launch_id) {
            launch_id -> Text,
            site_id -> Nullable<Text>,
            site_name -> Nullable<Text>,
            site_name_long -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.mission_payload (mission_id, position) {
            mission_id -> Text,
            position -> Int4,
            payload_id -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.capsule_mission (capsule_id, position) {
            capsule_id -> Text,
            position -> Int4,
            name -> Nullable<Text>,
            flight -> Nullable<Int4>,
        }
    }

    diesel::table! {
        staging.core_mission (core_id, position) {
            core_id -> Text,
            position -> Int4,
            name -> Nullable<Text>,
            flight -> Nullable<Int4>,
        }
    }

    diesel::table! {
        staging.ship_mission (ship_id, position) {
            ship_id -> Text,
            position -> Int4,
            name -> Nullable<Text>,
            flight -> Nullable<Text>,
        }
    }

    diesel::table! {
        staging.extract_run_reference (run_id, reference) {
            run_id -> Int8,
            reference -> Text,
            target -> Text,
            unresolved -> Int4,
        }
    }

    diesel::joinable!(launch_mission -> launch (launch_id));
    diesel::joinable!(launch_link -> launch (launch_id));
    diesel::joinable!(extract_run_entity -> extract_run (run_id));
    diesel::joinable!(rejected -> extract_run (run_id));
    diesel::joinable!(extract_run_reference -> extract_run (run_id));
    diesel::joinable!(launch_ship -> launch (launch_id));
    diesel::joinable!(launch_core -> launch (launch_id));
    diesel::joinable!(launch_payload -> launch (launch_id));
    diesel::joinable!(launch_site -> launch (launch_id));
    diesel::joinable!(mission_payload -> mission (mission_id));
    diesel::joinable!(capsule_mission -> capsule (capsule_id));
    diesel::joinable!(core_mission -> core (core_id));
    diesel::joinable!(ship_mission -> ship (ship_id));
    diesel::allow_tables_to_appear_in_same_query!(
        extract_run,
        extract_run_entity,
        extract_run_reference,
        rocket,
        mission,
        launch,
        launch_mission,
        launch_link,
        rejected,
        capsule,
        core,
        dragon,
        history,
        landpad,
        launchpad,
        payload,
        ship,
        company,
        roadster,
        launch_ship,
        launch_core,
        launch_payload,
        launch_site,
        mission_payload,
        capsule_mission,
        core_mission,
        ship_mission,
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
            build_id -> Int8,
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
            mode -> Nullable<Text>,
            definition -> Nullable<Text>,
            launches_recounted -> Nullable<Int8>,
        }
    }

    diesel::table! {
        marts.publication_contribution (launch_id, entity, object_id) {
            launch_id -> Text,
            entity -> Text,
            object_id -> Text,
            total -> Int8,
        }
    }

    diesel::allow_tables_to_appear_in_same_query!(
        publication,
        publication_by_object,
        build_run,
        publication_contribution
    );
}
