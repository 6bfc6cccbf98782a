// @generated automatically by Diesel CLI.

pub mod staging {
    diesel::table! {
        /// Dragon capsules (serial numbers) as returned by the API query `capsules`.
        staging.capsule (id) {
            /// Upstream capsule id (a serial such as C101 on the original API).
            id -> Text,
            /// Upstream `type`, e.g. Dragon 1.0.
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            /// e.g. active, retired, destroyed.
            status -> Nullable<Text>,
            /// Landings so far.
            landings -> Nullable<Int4>,
            /// Flights after the first.
            reuse_count -> Nullable<Int4>,
            /// First launch (null on the current endpoint).
            original_launch -> Nullable<Timestamptz>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Missions a capsule flew (Capsule.missions; null on the current endpoint).
        staging.capsule_mission (capsule_id, position) {
            /// The capsule.
            capsule_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// Mission name as on the launch (no id to resolve).
            name -> Nullable<Text>,
            /// Flight number of the launch (the launch id on the original API only, so not counted as a reference).
            flight -> Nullable<Int4>,
        }
    }

    diesel::table! {
        /// The company, as returned by the API query `company` (a single object of type Info): at most one row.
        staging.company (id) {
            /// Always company: the API object has no id, the constant keeps the table in the same upsert scheme as the others.
            id -> Text,
            /// Company name.
            name -> Nullable<Text>,
            /// Founder.
            founder -> Nullable<Text>,
            /// Year founded.
            founded -> Nullable<Int4>,
            /// Head count.
            employees -> Nullable<Int4>,
            /// Vehicle count.
            vehicles -> Nullable<Int4>,
            /// Launch site count.
            launch_sites -> Nullable<Int4>,
            /// Test site count.
            test_sites -> Nullable<Int4>,
            /// Chief executive.
            ceo -> Nullable<Text>,
            /// Chief technology officer.
            cto -> Nullable<Text>,
            /// Chief operating officer.
            coo -> Nullable<Text>,
            /// Chief technology officer, propulsion.
            cto_propulsion -> Nullable<Text>,
            /// US dollars.
            valuation -> Nullable<Float8>,
            /// Free text.
            summary -> Nullable<Text>,
            /// headquarters.address.
            headquarters_address -> Nullable<Text>,
            /// headquarters.city.
            headquarters_city -> Nullable<Text>,
            /// headquarters.state.
            headquarters_state -> Nullable<Text>,
            /// links.website (as sent).
            links_website -> Nullable<Text>,
            /// links.flickr (as sent).
            links_flickr -> Nullable<Text>,
            /// links.twitter (as sent).
            links_twitter -> Nullable<Text>,
            /// links.elon_twitter (as sent).
            links_elon_twitter -> Nullable<Text>,
            /// The object exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// First-stage boosters as returned by the API query `cores`.
        staging.core (id) {
            /// Upstream core id (a serial such as B1049 on the original API).
            id -> Text,
            /// Falcon 9 block.
            block -> Nullable<Int4>,
            /// e.g. active, lost, expended.
            status -> Nullable<Text>,
            /// First launch (null on the current endpoint).
            original_launch -> Nullable<Timestamptz>,
            /// Flights after the first.
            reuse_count -> Nullable<Int4>,
            /// Return-to-launch-site landing attempts.
            rtls_attempts -> Nullable<Int4>,
            /// Successful return-to-launch-site landings.
            rtls_landings -> Nullable<Int4>,
            /// Drone-ship landing attempts.
            asds_attempts -> Nullable<Int4>,
            /// Successful drone-ship landings.
            asds_landings -> Nullable<Int4>,
            /// Whether it landed in water.
            water_landing -> Nullable<Bool>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Missions a core flew (Core.missions; null on the current endpoint).
        staging.core_mission (core_id, position) {
            /// The core.
            core_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// Mission name as on the launch (no id to resolve).
            name -> Nullable<Text>,
            /// Flight number of the launch (the launch id on the original API only, so not counted as a reference).
            flight -> Nullable<Int4>,
        }
    }

    diesel::table! {
        /// Dragon capsule models as returned by the API query `dragons`.
        staging.dragon (id) {
            /// Upstream dragon id (e.g. dragon1).
            id -> Text,
            /// Display name.
            name -> Nullable<Text>,
            /// Upstream `type`, e.g. capsule.
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            /// Still flying.
            active -> Nullable<Bool>,
            /// People it can carry.
            crew_capacity -> Nullable<Int4>,
            /// Free text.
            description -> Nullable<Text>,
            /// Dry mass in kilograms.
            dry_mass_kg -> Nullable<Int4>,
            /// Date of the first flight (a text field upstream, parsed).
            first_flight -> Nullable<Date>,
            /// Years it can stay in orbit.
            orbit_duration_yr -> Nullable<Int4>,
            /// Sidewall angle in degrees.
            sidewall_angle_deg -> Nullable<Float8>,
            /// Wikipedia page (as sent).
            wikipedia -> Nullable<Text>,
            /// diameter.meters.
            diameter_meters -> Nullable<Float8>,
            /// height_w_trunk.meters.
            height_w_trunk_meters -> Nullable<Float8>,
            /// heat_shield.material.
            heat_shield_material -> Nullable<Text>,
            /// heat_shield.size_meters.
            heat_shield_size_meters -> Nullable<Float8>,
            /// heat_shield.temp_degrees (Celsius).
            heat_shield_temp_degrees -> Nullable<Int4>,
            /// heat_shield.dev_partner.
            heat_shield_dev_partner -> Nullable<Text>,
            /// launch_payload_mass.kg.
            launch_payload_mass_kg -> Nullable<Int4>,
            /// return_payload_mass.kg.
            return_payload_mass_kg -> Nullable<Int4>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// One row per extractor run.
        staging.extract_run (id) {
            id -> Int8,
            started_at -> Timestamptz,
            finished_at -> Nullable<Timestamptz>,
            /// running; succeeded (every entity loaded, or unavailable upstream and not required); partial (an entity failed, was withheld, or is required and unavailable: it kept its previous rows, the others loaded); failed (nothing written); cancelled (stopped by a shutdown signal, nothing written).
            status -> Text,
            /// Staging rows inserted, updated or deleted by this run; 0 means staging was left as it was.
            rows_changed -> Int8,
            /// Why the run failed, was cancelled or was partial: each entity at fault with its reason, on one line of at most 1,000 characters.
            error -> Nullable<Text>,
            /// Later extractor checks that found the upstream unchanged since this run (they loaded nothing), written down in batches by the extractor's heartbeat, at most once per heartbeat interval (half the staleness limit, 1h30m by default); checks an extractor had not written down when it stopped are not counted.
            unchanged_checks -> Int8,
            /// When the last of those recorded checks found staging still current (the heartbeat: up to one heartbeat interval behind the extractor's latest check).
            last_checked_at -> Nullable<Timestamptz>,
        }
    }

    diesel::table! {
        /// Per-entity outcome and counts of one extractor run.
        staging.extract_run_entity (run_id, entity) {
            run_id -> Int8,
            entity -> Text,
            /// succeeded (loaded); failed (the fetch or the load failed: transport, HTTP status, timeout, bad answer); unavailable (the upstream cannot serve it: GraphQL errors or records of another shape); withheld (far fewer records than staging holds: not applied until the shrink is accepted). All but succeeded keep their previous rows.
            status -> Text,
            /// Records the API returned (including rejected ones).
            fetched -> Int4,
            /// Records accepted into staging (fetched = loaded + rejected).
            loaded -> Int4,
            /// Records written to staging.rejected instead.
            rejected -> Int4,
            inserted -> Int4,
            updated -> Int4,
            deleted -> Int4,
            /// GraphQL pages requested (limit/offset).
            pages -> Int4,
            /// HTTP requests retried after a transient failure.
            retries -> Int4,
            /// Why it was not loaded, on one line of at most 1,000 characters (GraphQL errors collapsed by message with a count).
            error -> Nullable<Text>,
            /// SHA-256 (hex) of the records the fetch returned, in order (NULL when the fetch failed): equal fingerprints mean an unchanged upstream.
            fingerprint -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// After each published run: how many references of staging point at a record staging does not hold.
        staging.extract_run_reference (run_id, reference) {
            /// The run that counted.
            run_id -> Int8,
            /// The referencing column, table.column (e.g. launch_payload.payload_id).
            reference -> Text,
            /// The staging table whose id it names (e.g. payload).
            target -> Text,
            /// Values naming no row of the target, plus null elements of relation lists; kept in staging, never refused.
            unresolved -> Int4,
        }
    }

    diesel::table! {
        /// Milestones of the company as returned by the API query `histories`.
        staging.history (id) {
            /// Upstream event id.
            id -> Text,
            /// Headline.
            title -> Nullable<Text>,
            /// Free text.
            details -> Nullable<Text>,
            /// When it happened.
            event_date_utc -> Nullable<Timestamptz>,
            /// When it happened, Unix seconds as sent.
            event_date_unix -> Nullable<Int8>,
            /// links.article (as sent).
            links_article -> Nullable<Text>,
            /// links.reddit (as sent).
            links_reddit -> Nullable<Text>,
            /// links.wikipedia (as sent).
            links_wikipedia -> Nullable<Text>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Landing zones and drone ships as returned by the API query `landpads`.
        staging.landpad (id) {
            /// Upstream landpad id (e.g. LZ-1).
            id -> Text,
            /// Display name.
            full_name -> Nullable<Text>,
            /// e.g. active, retired.
            status -> Nullable<Text>,
            /// RTLS or ASDS (null on the current endpoint).
            landing_type -> Nullable<Text>,
            /// A count, kept as text because the API types it String.
            attempted_landings -> Nullable<Text>,
            /// A count, kept as text because the API types it String.
            successful_landings -> Nullable<Text>,
            /// Free text.
            details -> Nullable<Text>,
            /// Wikipedia page (as sent).
            wikipedia -> Nullable<Text>,
            /// location.name.
            location_name -> Nullable<Text>,
            /// location.region.
            location_region -> Nullable<Text>,
            /// location.latitude (degrees).
            location_latitude -> Nullable<Float8>,
            /// location.longitude (degrees).
            location_longitude -> Nullable<Float8>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Launches (past and upcoming) as returned by the API query `launches`.
        staging.launch (id) {
            /// Upstream launch id (a flight number on the original API, a 24-hex id on the current one).
            id -> Text,
            mission_name -> Nullable<Text>,
            launch_date_utc -> Nullable<Timestamptz>,
            /// Local launch time as sent, with its UTC offset.
            launch_date_local -> Nullable<Text>,
            launch_date_unix -> Nullable<Int8>,
            launch_year -> Nullable<Text>,
            launch_success -> Nullable<Bool>,
            upcoming -> Nullable<Bool>,
            details -> Nullable<Text>,
            /// Upstream rocket id; may name a rocket missing from staging.rocket (kept as an unresolved reference).
            rocket_id -> Nullable<Text>,
            rocket_name -> Nullable<Text>,
            rocket_type -> Nullable<Text>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
            /// Its date is not final yet (upstream is_tentative).
            is_tentative -> Nullable<Bool>,
        }
    }

    diesel::table! {
        /// First-stage cores of a launch and how each flew (Launch.rocket.first_stage.cores; null on the current endpoint).
        staging.launch_core (launch_id, position) {
            /// The launch.
            launch_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// core.id; may name a core missing from staging.core (an unresolved reference), null when the API gave none.
            core_id -> Nullable<Text>,
            /// The core's flight number on this launch.
            flight -> Nullable<Int4>,
            /// Falcon 9 block.
            block -> Nullable<Int4>,
            /// Grid fins fitted.
            gridfins -> Nullable<Bool>,
            /// Landing legs fitted.
            legs -> Nullable<Bool>,
            /// Flown before.
            reused -> Nullable<Bool>,
            /// Landed.
            land_success -> Nullable<Bool>,
            /// Meant to land.
            landing_intent -> Nullable<Bool>,
            /// RTLS, ASDS or Ocean.
            landing_type -> Nullable<Text>,
            /// Landpad id as sent (not resolved).
            landing_vehicle -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Every non-null value of the launch's `links` object, one row per value, kept verbatim (not validated).
        staging.launch_link (launch_id, field, position) {
            launch_id -> Text,
            /// The upstream field name inside `links`.
            field -> Text,
            /// 0 for single-valued fields; the list index for flickr_images.
            position -> Int4,
            url -> Text,
            /// marts.publication_url(url): the trimmed URL if it counts as a publication, else NULL (generated when the row is written).
            publication_url -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// The launch's mission_id list, one row per element; mission_id may name a mission missing from staging.mission.
        staging.launch_mission (launch_id, position) {
            launch_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            mission_id -> Text,
        }
    }

    diesel::table! {
        /// Payloads of a launch (Launch.rocket.second_stage.payloads; null on the current endpoint).
        staging.launch_payload (launch_id, position) {
            /// The launch.
            launch_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// Upstream payload id; may name a payload missing from staging.payload (an unresolved reference), null when the element was null.
            payload_id -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Ships that supported a launch (Launch.ships, fetched by its own query; broken on the current endpoint).
        staging.launch_ship (launch_id, position) {
            /// The launch.
            launch_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// Upstream ship id; may name a ship missing from staging.ship (an unresolved reference), null when the element was null.
            ship_id -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Where a launch lifted off (Launch.launch_site; null on the current endpoint): one row per launch that has one.
        staging.launch_site (launch_id) {
            /// The launch.
            launch_id -> Text,
            /// Launchpad id; may name a launchpad missing from staging.launchpad (an unresolved reference).
            site_id -> Nullable<Text>,
            /// Short name as given on the launch.
            site_name -> Nullable<Text>,
            /// Long name as given on the launch.
            site_name_long -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Launch pads as returned by the API query `launchpads` (on the current endpoint that query answers landpads: the entity then fails as wrong-shaped and keeps its rows).
        staging.launchpad (id) {
            /// Upstream launchpad id (e.g. ksc_lc_39a), the site_id of staging.launch_site.
            id -> Text,
            /// Display name.
            name -> Nullable<Text>,
            /// e.g. active, retired.
            status -> Nullable<Text>,
            /// Launches attempted from it.
            attempted_launches -> Nullable<Int4>,
            /// Successful launches from it.
            successful_launches -> Nullable<Int4>,
            /// Free text.
            details -> Nullable<Text>,
            /// Wikipedia page (as sent).
            wikipedia -> Nullable<Text>,
            /// location.name.
            location_name -> Nullable<Text>,
            /// location.region.
            location_region -> Nullable<Text>,
            /// location.latitude (degrees).
            location_latitude -> Nullable<Float8>,
            /// location.longitude (degrees).
            location_longitude -> Nullable<Float8>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Missions as returned by the API query `missions` (empty on the current endpoint).
        staging.mission (id) {
            /// Upstream mission id (e.g. EE86F74).
            id -> Text,
            name -> Nullable<Text>,
            description -> Nullable<Text>,
            manufacturers -> Array<Text>,
            wikipedia -> Nullable<Text>,
            website -> Nullable<Text>,
            twitter -> Nullable<Text>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
            /// marts.publication_url(wikipedia) (generated when the row is written).
            wikipedia_publication_url -> Nullable<Text>,
            /// marts.publication_url(website) (generated when the row is written).
            website_publication_url -> Nullable<Text>,
            /// marts.publication_url(twitter) (generated when the row is written).
            twitter_publication_url -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Payloads of a mission (Mission.payloads).
        staging.mission_payload (mission_id, position) {
            /// The mission.
            mission_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// Upstream payload id; may name a payload missing from staging.payload (an unresolved reference), null when the element was null (the original API's answer for a payload it could not find).
            payload_id -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// Payloads as returned by the API query `payloads` (which errors on the current endpoint).
        staging.payload (id) {
            /// Upstream payload id (e.g. FalconSAT-2).
            id -> Text,
            /// e.g. Satellite, Dragon 1.1.
            payload_type -> Nullable<Text>,
            /// Maker.
            manufacturer -> Nullable<Text>,
            /// Owner's country.
            nationality -> Nullable<Text>,
            /// Non-null elements of the upstream list, in order.
            customers -> Array<Text>,
            /// NORAD catalogue ids: non-null elements of the upstream list, in order.
            norad_id -> Array<Int4>,
            /// e.g. LEO, GTO.
            orbit -> Nullable<Text>,
            /// Kilograms.
            payload_mass_kg -> Nullable<Float8>,
            /// Pounds.
            payload_mass_lbs -> Nullable<Float8>,
            /// Flown before.
            reused -> Nullable<Bool>,
            /// orbit_params.regime.
            orbit_params_regime -> Nullable<Text>,
            /// orbit_params.reference_system.
            orbit_params_reference_system -> Nullable<Text>,
            /// orbit_params.periapsis_km.
            orbit_params_periapsis_km -> Nullable<Float8>,
            /// orbit_params.apoapsis_km.
            orbit_params_apoapsis_km -> Nullable<Float8>,
            /// orbit_params.inclination_deg.
            orbit_params_inclination_deg -> Nullable<Float8>,
            /// orbit_params.period_min.
            orbit_params_period_min -> Nullable<Float8>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Records the extractor refused (duplicate id, failed validation), with the reason.
        staging.rejected (id) {
            id -> Int8,
            run_id -> Int8,
            entity -> Text,
            upstream_id -> Nullable<Text>,
            reason -> Text,
            /// The record as JSON text (text, not jsonb, so that values jsonb refuses, such as NUL escapes, are kept too).
            raw -> Text,
            rejected_at -> Timestamptz,
        }
    }

    diesel::table! {
        /// The Tesla Roadster launched on Falcon Heavy, as returned by the API query `roadster` (a single object): at most one row.
        staging.roadster (id) {
            /// Always roadster: the API object has no id, the constant keeps the table in the same upsert scheme as the others.
            id -> Text,
            /// Display name.
            name -> Nullable<Text>,
            /// Free text.
            details -> Nullable<Text>,
            /// Wikipedia page (as sent).
            wikipedia -> Nullable<Text>,
            /// Launch time.
            launch_date_utc -> Nullable<Timestamptz>,
            /// Launch time, Unix seconds as sent.
            launch_date_unix -> Nullable<Int8>,
            /// Kilograms.
            launch_mass_kg -> Nullable<Int4>,
            /// NORAD catalogue id.
            norad_id -> Nullable<Int4>,
            /// As sent (the API types it Float).
            orbit_type -> Nullable<Float8>,
            /// Orbital period in days.
            period_days -> Nullable<Float8>,
            /// Kilometers per hour.
            speed_kph -> Nullable<Float8>,
            /// Distance from Earth in kilometers.
            earth_distance_km -> Nullable<Float8>,
            /// Distance from Mars in kilometers.
            mars_distance_km -> Nullable<Float8>,
            /// The object exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Rockets as returned by the API query `rockets`.
        staging.rocket (id) {
            /// Upstream rocket id (e.g. falcon9).
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
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
            /// marts.publication_url(wikipedia) (generated when the row is written).
            wikipedia_publication_url -> Nullable<Text>,
        }
    }

    diesel::table! {
        /// What a rocket can lift per orbit (Rocket.payload_weights).
        staging.rocket_payload_weight (rocket_id, position) {
            /// The rocket.
            rocket_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// The orbit as sent, e.g. leo (names no staging row).
            id -> Nullable<Text>,
            /// The orbit's name, e.g. Low Earth Orbit.
            name -> Nullable<Text>,
            /// Kilograms.
            kg -> Nullable<Int4>,
            /// Pounds.
            lb -> Nullable<Int4>,
        }
    }

    diesel::table! {
        /// Support ships as returned by the API query `ships` (weights, url, position and landings are null on the current endpoint).
        staging.ship (id) {
            /// Upstream ship id (e.g. GOMSTREE).
            id -> Text,
            /// Display name.
            name -> Nullable<Text>,
            /// Model.
            model -> Nullable<Text>,
            /// Upstream `type`, e.g. Barge, Tug.
            #[sql_name = "type"]
            type_ -> Nullable<Text>,
            /// Non-null elements of the upstream list, in order.
            roles -> Array<Text>,
            /// In service.
            active -> Nullable<Bool>,
            /// Status text.
            status -> Nullable<Text>,
            /// Home port.
            home_port -> Nullable<Text>,
            /// Year built.
            year_built -> Nullable<Int4>,
            /// IMO number.
            imo -> Nullable<Int4>,
            /// MMSI number.
            mmsi -> Nullable<Int4>,
            /// ABS number.
            abs -> Nullable<Int4>,
            /// Class.
            class -> Nullable<Int4>,
            /// Kilograms.
            weight_kg -> Nullable<Int4>,
            /// Pounds.
            weight_lbs -> Nullable<Int4>,
            /// Knots.
            speed_kn -> Nullable<Float8>,
            /// Degrees.
            course_deg -> Nullable<Int4>,
            /// Landings caught.
            successful_landings -> Nullable<Int4>,
            /// Landings attempted.
            attempted_landings -> Nullable<Int4>,
            /// Tracking page (as sent).
            url -> Nullable<Text>,
            /// Photo (as sent).
            image -> Nullable<Text>,
            /// position.latitude (degrees).
            position_latitude -> Nullable<Float8>,
            /// position.longitude (degrees).
            position_longitude -> Nullable<Float8>,
            /// The record exactly as the API sent it.
            raw -> Jsonb,
            /// The extract_run that last inserted or changed this row.
            run_id -> Int8,
        }
    }

    diesel::table! {
        /// Missions a ship supported (Ship.missions; null on the current endpoint).
        staging.ship_mission (ship_id, position) {
            /// The ship.
            ship_id -> Text,
            /// Index of the element in the upstream list.
            position -> Int4,
            /// Mission name as on the launch (no id to resolve).
            name -> Nullable<Text>,
            /// Flight number of the launch, as text (the API types it String).
            flight -> Nullable<Text>,
        }
    }

    diesel::joinable!(capsule_mission -> capsule (capsule_id));
    diesel::joinable!(core_mission -> core (core_id));
    diesel::joinable!(extract_run_entity -> extract_run (run_id));
    diesel::joinable!(extract_run_reference -> extract_run (run_id));
    diesel::joinable!(launch_core -> launch (launch_id));
    diesel::joinable!(launch_link -> launch (launch_id));
    diesel::joinable!(launch_mission -> launch (launch_id));
    diesel::joinable!(launch_payload -> launch (launch_id));
    diesel::joinable!(launch_ship -> launch (launch_id));
    diesel::joinable!(launch_site -> launch (launch_id));
    diesel::joinable!(mission_payload -> mission (mission_id));
    diesel::joinable!(rejected -> extract_run (run_id));
    diesel::joinable!(rocket_payload_weight -> rocket (rocket_id));
    diesel::joinable!(ship_mission -> ship (ship_id));

    diesel::allow_tables_to_appear_in_same_query!(
        capsule,
        capsule_mission,
        company,
        core,
        core_mission,
        dragon,
        extract_run,
        extract_run_entity,
        extract_run_reference,
        history,
        landpad,
        launch,
        launch_core,
        launch_link,
        launch_mission,
        launch_payload,
        launch_ship,
        launch_site,
        launchpad,
        mission,
        mission_payload,
        payload,
        rejected,
        roadster,
        rocket,
        rocket_payload_weight,
        ship,
        ship_mission,
    );
}
