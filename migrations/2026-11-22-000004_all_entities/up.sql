-- Every other entity the SpaceX GraphQL API serves, and the relations between entities.
--
-- Entity tables mirror one query each (`capsules`, `cores`, …; `company` and `roadster` are
-- single objects): typed columns named after the GraphQL field path (`location { name }` is
-- `location_name`), the record as sent in `raw`, and the run that last changed the row.
-- Relation tables are fetched by their own queries (so a broken resolver fails only its
-- relation) and hang off their owner with ON DELETE CASCADE. The id a relation points at is a
-- plain reference column, never a foreign key: it may name a record the API does not list,
-- which is kept and counted as unresolved (`extract_run_reference`), never refused.

CREATE TABLE staging.capsule (
    id              text PRIMARY KEY,
    type            text,
    status          text,
    landings        integer,
    reuse_count     integer,
    original_launch timestamptz,
    raw             jsonb  NOT NULL,
    run_id          bigint NOT NULL
);
COMMENT ON TABLE staging.capsule IS 'Dragon capsules (serial numbers) as returned by the API query `capsules`.';
COMMENT ON COLUMN staging.capsule.id IS 'Upstream capsule id (a serial such as C101 on the original API).';
COMMENT ON COLUMN staging.capsule.type IS 'Upstream `type`, e.g. Dragon 1.0.';
COMMENT ON COLUMN staging.capsule.status IS 'e.g. active, retired, destroyed.';
COMMENT ON COLUMN staging.capsule.landings IS 'Landings so far.';
COMMENT ON COLUMN staging.capsule.reuse_count IS 'Flights after the first.';
COMMENT ON COLUMN staging.capsule.original_launch IS 'First launch (null on the current endpoint).';
COMMENT ON COLUMN staging.capsule.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.capsule.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.core (
    id              text PRIMARY KEY,
    block           integer,
    status          text,
    original_launch timestamptz,
    reuse_count     integer,
    rtls_attempts   integer,
    rtls_landings   integer,
    asds_attempts   integer,
    asds_landings   integer,
    water_landing   boolean,
    raw             jsonb  NOT NULL,
    run_id          bigint NOT NULL
);
COMMENT ON TABLE staging.core IS 'First-stage boosters as returned by the API query `cores`.';
COMMENT ON COLUMN staging.core.id IS 'Upstream core id (a serial such as B1049 on the original API).';
COMMENT ON COLUMN staging.core.block IS 'Falcon 9 block.';
COMMENT ON COLUMN staging.core.status IS 'e.g. active, lost, expended.';
COMMENT ON COLUMN staging.core.original_launch IS 'First launch (null on the current endpoint).';
COMMENT ON COLUMN staging.core.reuse_count IS 'Flights after the first.';
COMMENT ON COLUMN staging.core.rtls_attempts IS 'Return-to-launch-site landing attempts.';
COMMENT ON COLUMN staging.core.rtls_landings IS 'Successful return-to-launch-site landings.';
COMMENT ON COLUMN staging.core.asds_attempts IS 'Drone-ship landing attempts.';
COMMENT ON COLUMN staging.core.asds_landings IS 'Successful drone-ship landings.';
COMMENT ON COLUMN staging.core.water_landing IS 'Whether it landed in water.';
COMMENT ON COLUMN staging.core.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.core.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.dragon (
    id                       text PRIMARY KEY,
    name                     text,
    type                     text,
    active                   boolean,
    crew_capacity            integer,
    description              text,
    dry_mass_kg              integer,
    first_flight             date,
    orbit_duration_yr        integer,
    sidewall_angle_deg       double precision,
    wikipedia                text,
    diameter_meters          double precision,
    height_w_trunk_meters    double precision,
    heat_shield_material     text,
    heat_shield_size_meters  double precision,
    heat_shield_temp_degrees integer,
    heat_shield_dev_partner  text,
    launch_payload_mass_kg   integer,
    return_payload_mass_kg   integer,
    raw                      jsonb  NOT NULL,
    run_id                   bigint NOT NULL
);
COMMENT ON TABLE staging.dragon IS 'Dragon capsule models as returned by the API query `dragons`.';
COMMENT ON COLUMN staging.dragon.id IS 'Upstream dragon id (e.g. dragon1).';
COMMENT ON COLUMN staging.dragon.name IS 'Display name.';
COMMENT ON COLUMN staging.dragon.type IS 'Upstream `type`, e.g. capsule.';
COMMENT ON COLUMN staging.dragon.active IS 'Still flying.';
COMMENT ON COLUMN staging.dragon.crew_capacity IS 'People it can carry.';
COMMENT ON COLUMN staging.dragon.description IS 'Free text.';
COMMENT ON COLUMN staging.dragon.dry_mass_kg IS 'Dry mass in kilograms.';
COMMENT ON COLUMN staging.dragon.first_flight IS 'Date of the first flight (a text field upstream, parsed).';
COMMENT ON COLUMN staging.dragon.orbit_duration_yr IS 'Years it can stay in orbit.';
COMMENT ON COLUMN staging.dragon.sidewall_angle_deg IS 'Sidewall angle in degrees.';
COMMENT ON COLUMN staging.dragon.wikipedia IS 'Wikipedia page (as sent).';
COMMENT ON COLUMN staging.dragon.diameter_meters IS 'diameter.meters.';
COMMENT ON COLUMN staging.dragon.height_w_trunk_meters IS 'height_w_trunk.meters.';
COMMENT ON COLUMN staging.dragon.heat_shield_material IS 'heat_shield.material.';
COMMENT ON COLUMN staging.dragon.heat_shield_size_meters IS 'heat_shield.size_meters.';
COMMENT ON COLUMN staging.dragon.heat_shield_temp_degrees IS 'heat_shield.temp_degrees (Celsius).';
COMMENT ON COLUMN staging.dragon.heat_shield_dev_partner IS 'heat_shield.dev_partner.';
COMMENT ON COLUMN staging.dragon.launch_payload_mass_kg IS 'launch_payload_mass.kg.';
COMMENT ON COLUMN staging.dragon.return_payload_mass_kg IS 'return_payload_mass.kg.';
COMMENT ON COLUMN staging.dragon.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.dragon.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.history (
    id              text PRIMARY KEY,
    title           text,
    details         text,
    event_date_utc  timestamptz,
    event_date_unix bigint,
    links_article   text,
    links_reddit    text,
    links_wikipedia text,
    raw             jsonb  NOT NULL,
    run_id          bigint NOT NULL
);
COMMENT ON TABLE staging.history IS 'Milestones of the company as returned by the API query `histories`.';
COMMENT ON COLUMN staging.history.id IS 'Upstream event id.';
COMMENT ON COLUMN staging.history.title IS 'Headline.';
COMMENT ON COLUMN staging.history.details IS 'Free text.';
COMMENT ON COLUMN staging.history.event_date_utc IS 'When it happened.';
COMMENT ON COLUMN staging.history.event_date_unix IS 'When it happened, Unix seconds as sent.';
COMMENT ON COLUMN staging.history.links_article IS 'links.article (as sent).';
COMMENT ON COLUMN staging.history.links_reddit IS 'links.reddit (as sent).';
COMMENT ON COLUMN staging.history.links_wikipedia IS 'links.wikipedia (as sent).';
COMMENT ON COLUMN staging.history.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.history.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.landpad (
    id                  text PRIMARY KEY,
    full_name           text,
    status              text,
    landing_type        text,
    attempted_landings  text,
    successful_landings text,
    details             text,
    wikipedia           text,
    location_name       text,
    location_region     text,
    location_latitude   double precision,
    location_longitude  double precision,
    raw                 jsonb  NOT NULL,
    run_id              bigint NOT NULL
);
COMMENT ON TABLE staging.landpad IS 'Landing zones and drone ships as returned by the API query `landpads`.';
COMMENT ON COLUMN staging.landpad.id IS 'Upstream landpad id (e.g. LZ-1).';
COMMENT ON COLUMN staging.landpad.full_name IS 'Display name.';
COMMENT ON COLUMN staging.landpad.status IS 'e.g. active, retired.';
COMMENT ON COLUMN staging.landpad.landing_type IS 'RTLS or ASDS (null on the current endpoint).';
COMMENT ON COLUMN staging.landpad.attempted_landings IS 'A count, kept as text because the API types it String.';
COMMENT ON COLUMN staging.landpad.successful_landings IS 'A count, kept as text because the API types it String.';
COMMENT ON COLUMN staging.landpad.details IS 'Free text.';
COMMENT ON COLUMN staging.landpad.wikipedia IS 'Wikipedia page (as sent).';
COMMENT ON COLUMN staging.landpad.location_name IS 'location.name.';
COMMENT ON COLUMN staging.landpad.location_region IS 'location.region.';
COMMENT ON COLUMN staging.landpad.location_latitude IS 'location.latitude (degrees).';
COMMENT ON COLUMN staging.landpad.location_longitude IS 'location.longitude (degrees).';
COMMENT ON COLUMN staging.landpad.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.landpad.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.launchpad (
    id                  text PRIMARY KEY,
    name                text,
    status              text,
    attempted_launches  integer,
    successful_launches integer,
    details             text,
    wikipedia           text,
    location_name       text,
    location_region     text,
    location_latitude   double precision,
    location_longitude  double precision,
    raw                 jsonb  NOT NULL,
    run_id              bigint NOT NULL
);
COMMENT ON TABLE staging.launchpad IS 'Launch pads as returned by the API query `launchpads` (on the current endpoint that query answers landpads: the entity then fails as wrong-shaped and keeps its rows).';
COMMENT ON COLUMN staging.launchpad.id IS 'Upstream launchpad id (e.g. ksc_lc_39a), the site_id of staging.launch_site.';
COMMENT ON COLUMN staging.launchpad.name IS 'Display name.';
COMMENT ON COLUMN staging.launchpad.status IS 'e.g. active, retired.';
COMMENT ON COLUMN staging.launchpad.attempted_launches IS 'Launches attempted from it.';
COMMENT ON COLUMN staging.launchpad.successful_launches IS 'Successful launches from it.';
COMMENT ON COLUMN staging.launchpad.details IS 'Free text.';
COMMENT ON COLUMN staging.launchpad.wikipedia IS 'Wikipedia page (as sent).';
COMMENT ON COLUMN staging.launchpad.location_name IS 'location.name.';
COMMENT ON COLUMN staging.launchpad.location_region IS 'location.region.';
COMMENT ON COLUMN staging.launchpad.location_latitude IS 'location.latitude (degrees).';
COMMENT ON COLUMN staging.launchpad.location_longitude IS 'location.longitude (degrees).';
COMMENT ON COLUMN staging.launchpad.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.launchpad.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.payload (
    id                            text    PRIMARY KEY,
    payload_type                  text,
    manufacturer                  text,
    nationality                   text,
    customers                     text[]    NOT NULL DEFAULT '{}',
    norad_id                      integer[] NOT NULL DEFAULT '{}',
    orbit                         text,
    payload_mass_kg               double precision,
    payload_mass_lbs              double precision,
    reused                        boolean,
    orbit_params_regime           text,
    orbit_params_reference_system text,
    orbit_params_periapsis_km     double precision,
    orbit_params_apoapsis_km      double precision,
    orbit_params_inclination_deg  double precision,
    orbit_params_period_min       double precision,
    raw                           jsonb  NOT NULL,
    run_id                        bigint NOT NULL
);
COMMENT ON TABLE staging.payload IS 'Payloads as returned by the API query `payloads` (which errors on the current endpoint).';
COMMENT ON COLUMN staging.payload.id IS 'Upstream payload id (e.g. FalconSAT-2).';
COMMENT ON COLUMN staging.payload.payload_type IS 'e.g. Satellite, Dragon 1.1.';
COMMENT ON COLUMN staging.payload.manufacturer IS 'Maker.';
COMMENT ON COLUMN staging.payload.nationality IS 'Owner''s country.';
COMMENT ON COLUMN staging.payload.customers IS 'Non-null elements of the upstream list, in order.';
COMMENT ON COLUMN staging.payload.norad_id IS 'NORAD catalogue ids: non-null elements of the upstream list, in order.';
COMMENT ON COLUMN staging.payload.orbit IS 'e.g. LEO, GTO.';
COMMENT ON COLUMN staging.payload.payload_mass_kg IS 'Kilograms.';
COMMENT ON COLUMN staging.payload.payload_mass_lbs IS 'Pounds.';
COMMENT ON COLUMN staging.payload.reused IS 'Flown before.';
COMMENT ON COLUMN staging.payload.orbit_params_regime IS 'orbit_params.regime.';
COMMENT ON COLUMN staging.payload.orbit_params_reference_system IS 'orbit_params.reference_system.';
COMMENT ON COLUMN staging.payload.orbit_params_periapsis_km IS 'orbit_params.periapsis_km.';
COMMENT ON COLUMN staging.payload.orbit_params_apoapsis_km IS 'orbit_params.apoapsis_km.';
COMMENT ON COLUMN staging.payload.orbit_params_inclination_deg IS 'orbit_params.inclination_deg.';
COMMENT ON COLUMN staging.payload.orbit_params_period_min IS 'orbit_params.period_min.';
COMMENT ON COLUMN staging.payload.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.payload.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.ship (
    id                  text      PRIMARY KEY,
    name                text,
    model               text,
    type                text,
    roles               text[]    NOT NULL DEFAULT '{}',
    active              boolean,
    status              text,
    home_port           text,
    year_built          integer,
    imo                 integer,
    mmsi                integer,
    abs                 integer,
    class               integer,
    weight_kg           integer,
    weight_lbs          integer,
    speed_kn            double precision,
    course_deg          integer,
    successful_landings integer,
    attempted_landings  integer,
    url                 text,
    image               text,
    position_latitude   double precision,
    position_longitude  double precision,
    raw                 jsonb  NOT NULL,
    run_id              bigint NOT NULL
);
COMMENT ON TABLE staging.ship IS 'Support ships as returned by the API query `ships` (weights, url, position and landings are null on the current endpoint).';
COMMENT ON COLUMN staging.ship.id IS 'Upstream ship id (e.g. GOMSTREE).';
COMMENT ON COLUMN staging.ship.name IS 'Display name.';
COMMENT ON COLUMN staging.ship.model IS 'Model.';
COMMENT ON COLUMN staging.ship.type IS 'Upstream `type`, e.g. Barge, Tug.';
COMMENT ON COLUMN staging.ship.roles IS 'Non-null elements of the upstream list, in order.';
COMMENT ON COLUMN staging.ship.active IS 'In service.';
COMMENT ON COLUMN staging.ship.status IS 'Status text.';
COMMENT ON COLUMN staging.ship.home_port IS 'Home port.';
COMMENT ON COLUMN staging.ship.year_built IS 'Year built.';
COMMENT ON COLUMN staging.ship.imo IS 'IMO number.';
COMMENT ON COLUMN staging.ship.mmsi IS 'MMSI number.';
COMMENT ON COLUMN staging.ship.abs IS 'ABS number.';
COMMENT ON COLUMN staging.ship.class IS 'Class.';
COMMENT ON COLUMN staging.ship.weight_kg IS 'Kilograms.';
COMMENT ON COLUMN staging.ship.weight_lbs IS 'Pounds.';
COMMENT ON COLUMN staging.ship.speed_kn IS 'Knots.';
COMMENT ON COLUMN staging.ship.course_deg IS 'Degrees.';
COMMENT ON COLUMN staging.ship.successful_landings IS 'Landings caught.';
COMMENT ON COLUMN staging.ship.attempted_landings IS 'Landings attempted.';
COMMENT ON COLUMN staging.ship.url IS 'Tracking page (as sent).';
COMMENT ON COLUMN staging.ship.image IS 'Photo (as sent).';
COMMENT ON COLUMN staging.ship.position_latitude IS 'position.latitude (degrees).';
COMMENT ON COLUMN staging.ship.position_longitude IS 'position.longitude (degrees).';
COMMENT ON COLUMN staging.ship.raw IS 'The record exactly as the API sent it.';
COMMENT ON COLUMN staging.ship.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.company (
    id                   text PRIMARY KEY CHECK (id = 'company'),
    name                 text,
    founder              text,
    founded              integer,
    employees            integer,
    vehicles             integer,
    launch_sites         integer,
    test_sites           integer,
    ceo                  text,
    cto                  text,
    coo                  text,
    cto_propulsion       text,
    valuation            double precision,
    summary              text,
    headquarters_address text,
    headquarters_city    text,
    headquarters_state   text,
    links_website        text,
    links_flickr         text,
    links_twitter        text,
    links_elon_twitter   text,
    raw                  jsonb  NOT NULL,
    run_id               bigint NOT NULL
);
COMMENT ON TABLE staging.company IS 'The company, as returned by the API query `company` (a single object of type Info): at most one row.';
COMMENT ON COLUMN staging.company.id IS 'Always company: the API object has no id, the constant keeps the table in the same upsert scheme as the others.';
COMMENT ON COLUMN staging.company.name IS 'Company name.';
COMMENT ON COLUMN staging.company.founder IS 'Founder.';
COMMENT ON COLUMN staging.company.founded IS 'Year founded.';
COMMENT ON COLUMN staging.company.employees IS 'Head count.';
COMMENT ON COLUMN staging.company.vehicles IS 'Vehicle count.';
COMMENT ON COLUMN staging.company.launch_sites IS 'Launch site count.';
COMMENT ON COLUMN staging.company.test_sites IS 'Test site count.';
COMMENT ON COLUMN staging.company.ceo IS 'Chief executive.';
COMMENT ON COLUMN staging.company.cto IS 'Chief technology officer.';
COMMENT ON COLUMN staging.company.coo IS 'Chief operating officer.';
COMMENT ON COLUMN staging.company.cto_propulsion IS 'Chief technology officer, propulsion.';
COMMENT ON COLUMN staging.company.valuation IS 'US dollars.';
COMMENT ON COLUMN staging.company.summary IS 'Free text.';
COMMENT ON COLUMN staging.company.headquarters_address IS 'headquarters.address.';
COMMENT ON COLUMN staging.company.headquarters_city IS 'headquarters.city.';
COMMENT ON COLUMN staging.company.headquarters_state IS 'headquarters.state.';
COMMENT ON COLUMN staging.company.links_website IS 'links.website (as sent).';
COMMENT ON COLUMN staging.company.links_flickr IS 'links.flickr (as sent).';
COMMENT ON COLUMN staging.company.links_twitter IS 'links.twitter (as sent).';
COMMENT ON COLUMN staging.company.links_elon_twitter IS 'links.elon_twitter (as sent).';
COMMENT ON COLUMN staging.company.raw IS 'The object exactly as the API sent it.';
COMMENT ON COLUMN staging.company.run_id IS 'The extract_run that last inserted or changed this row.';

CREATE TABLE staging.roadster (
    id                text PRIMARY KEY CHECK (id = 'roadster'),
    name              text,
    details           text,
    wikipedia         text,
    launch_date_utc   timestamptz,
    launch_date_unix  bigint,
    launch_mass_kg    integer,
    norad_id          integer,
    orbit_type        double precision,
    period_days       double precision,
    speed_kph         double precision,
    earth_distance_km double precision,
    mars_distance_km  double precision,
    raw               jsonb  NOT NULL,
    run_id            bigint NOT NULL
);
COMMENT ON TABLE staging.roadster IS 'The Tesla Roadster launched on Falcon Heavy, as returned by the API query `roadster` (a single object): at most one row.';
COMMENT ON COLUMN staging.roadster.id IS 'Always roadster: the API object has no id, the constant keeps the table in the same upsert scheme as the others.';
COMMENT ON COLUMN staging.roadster.name IS 'Display name.';
COMMENT ON COLUMN staging.roadster.details IS 'Free text.';
COMMENT ON COLUMN staging.roadster.wikipedia IS 'Wikipedia page (as sent).';
COMMENT ON COLUMN staging.roadster.launch_date_utc IS 'Launch time.';
COMMENT ON COLUMN staging.roadster.launch_date_unix IS 'Launch time, Unix seconds as sent.';
COMMENT ON COLUMN staging.roadster.launch_mass_kg IS 'Kilograms.';
COMMENT ON COLUMN staging.roadster.norad_id IS 'NORAD catalogue id.';
COMMENT ON COLUMN staging.roadster.orbit_type IS 'As sent (the API types it Float).';
COMMENT ON COLUMN staging.roadster.period_days IS 'Orbital period in days.';
COMMENT ON COLUMN staging.roadster.speed_kph IS 'Kilometers per hour.';
COMMENT ON COLUMN staging.roadster.earth_distance_km IS 'Distance from Earth in kilometers.';
COMMENT ON COLUMN staging.roadster.mars_distance_km IS 'Distance from Mars in kilometers.';
COMMENT ON COLUMN staging.roadster.raw IS 'The object exactly as the API sent it.';
COMMENT ON COLUMN staging.roadster.run_id IS 'The extract_run that last inserted or changed this row.';

-- Relations. `position` is the element's index in the upstream list; an element that is null
-- upstream (the original API's way of saying "not found") is kept with a null reference.

CREATE TABLE staging.launch_ship (
    launch_id text    NOT NULL REFERENCES staging.launch (id) ON DELETE CASCADE,
    position  integer NOT NULL CHECK (position >= 0),
    ship_id   text,
    PRIMARY KEY (launch_id, position)
);
CREATE INDEX launch_ship_ship_id_idx ON staging.launch_ship (ship_id);
COMMENT ON TABLE staging.launch_ship IS 'Ships that supported a launch (Launch.ships, fetched by its own query; broken on the current endpoint).';
COMMENT ON COLUMN staging.launch_ship.launch_id IS 'The launch.';
COMMENT ON COLUMN staging.launch_ship.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.launch_ship.ship_id IS 'Upstream ship id; may name a ship missing from staging.ship (an unresolved reference), null when the element was null.';

CREATE TABLE staging.launch_core (
    launch_id       text    NOT NULL REFERENCES staging.launch (id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position >= 0),
    core_id         text,
    flight          integer,
    block           integer,
    gridfins        boolean,
    legs            boolean,
    reused          boolean,
    land_success    boolean,
    landing_intent  boolean,
    landing_type    text,
    landing_vehicle text,
    PRIMARY KEY (launch_id, position)
);
CREATE INDEX launch_core_core_id_idx ON staging.launch_core (core_id);
COMMENT ON TABLE staging.launch_core IS 'First-stage cores of a launch and how each flew (Launch.rocket.first_stage.cores; null on the current endpoint).';
COMMENT ON COLUMN staging.launch_core.launch_id IS 'The launch.';
COMMENT ON COLUMN staging.launch_core.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.launch_core.core_id IS 'core.id; may name a core missing from staging.core (an unresolved reference), null when the API gave none.';
COMMENT ON COLUMN staging.launch_core.flight IS 'The core''s flight number on this launch.';
COMMENT ON COLUMN staging.launch_core.block IS 'Falcon 9 block.';
COMMENT ON COLUMN staging.launch_core.gridfins IS 'Grid fins fitted.';
COMMENT ON COLUMN staging.launch_core.legs IS 'Landing legs fitted.';
COMMENT ON COLUMN staging.launch_core.reused IS 'Flown before.';
COMMENT ON COLUMN staging.launch_core.land_success IS 'Landed.';
COMMENT ON COLUMN staging.launch_core.landing_intent IS 'Meant to land.';
COMMENT ON COLUMN staging.launch_core.landing_type IS 'RTLS, ASDS or Ocean.';
COMMENT ON COLUMN staging.launch_core.landing_vehicle IS 'Landpad id as sent (not resolved).';

CREATE TABLE staging.launch_payload (
    launch_id  text    NOT NULL REFERENCES staging.launch (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    payload_id text,
    PRIMARY KEY (launch_id, position)
);
CREATE INDEX launch_payload_payload_id_idx ON staging.launch_payload (payload_id);
COMMENT ON TABLE staging.launch_payload IS 'Payloads of a launch (Launch.rocket.second_stage.payloads; null on the current endpoint).';
COMMENT ON COLUMN staging.launch_payload.launch_id IS 'The launch.';
COMMENT ON COLUMN staging.launch_payload.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.launch_payload.payload_id IS 'Upstream payload id; may name a payload missing from staging.payload (an unresolved reference), null when the element was null.';

CREATE TABLE staging.launch_site (
    launch_id      text PRIMARY KEY REFERENCES staging.launch (id) ON DELETE CASCADE,
    site_id        text,
    site_name      text,
    site_name_long text
);
CREATE INDEX launch_site_site_id_idx ON staging.launch_site (site_id);
COMMENT ON TABLE staging.launch_site IS 'Where a launch lifted off (Launch.launch_site; null on the current endpoint): one row per launch that has one.';
COMMENT ON COLUMN staging.launch_site.launch_id IS 'The launch.';
COMMENT ON COLUMN staging.launch_site.site_id IS 'Launchpad id; may name a launchpad missing from staging.launchpad (an unresolved reference).';
COMMENT ON COLUMN staging.launch_site.site_name IS 'Short name as given on the launch.';
COMMENT ON COLUMN staging.launch_site.site_name_long IS 'Long name as given on the launch.';

CREATE TABLE staging.mission_payload (
    mission_id text    NOT NULL REFERENCES staging.mission (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    payload_id text,
    PRIMARY KEY (mission_id, position)
);
CREATE INDEX mission_payload_payload_id_idx ON staging.mission_payload (payload_id);
COMMENT ON TABLE staging.mission_payload IS 'Payloads of a mission (Mission.payloads).';
COMMENT ON COLUMN staging.mission_payload.mission_id IS 'The mission.';
COMMENT ON COLUMN staging.mission_payload.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.mission_payload.payload_id IS 'Upstream payload id; may name a payload missing from staging.payload (an unresolved reference), null when the element was null (the original API''s answer for a payload it could not find).';

CREATE TABLE staging.capsule_mission (
    capsule_id text    NOT NULL REFERENCES staging.capsule (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    name       text,
    flight     integer,
    PRIMARY KEY (capsule_id, position)
);
COMMENT ON TABLE staging.capsule_mission IS 'Missions a capsule flew (Capsule.missions; null on the current endpoint).';
COMMENT ON COLUMN staging.capsule_mission.capsule_id IS 'The capsule.';
COMMENT ON COLUMN staging.capsule_mission.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.capsule_mission.name IS 'Mission name as on the launch (no id to resolve).';
COMMENT ON COLUMN staging.capsule_mission.flight IS 'Flight number of the launch (the launch id on the original API only, so not counted as a reference).';

CREATE TABLE staging.core_mission (
    core_id  text    NOT NULL REFERENCES staging.core (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    name     text,
    flight   integer,
    PRIMARY KEY (core_id, position)
);
COMMENT ON TABLE staging.core_mission IS 'Missions a core flew (Core.missions; null on the current endpoint).';
COMMENT ON COLUMN staging.core_mission.core_id IS 'The core.';
COMMENT ON COLUMN staging.core_mission.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.core_mission.name IS 'Mission name as on the launch (no id to resolve).';
COMMENT ON COLUMN staging.core_mission.flight IS 'Flight number of the launch (the launch id on the original API only, so not counted as a reference).';

CREATE TABLE staging.ship_mission (
    ship_id  text    NOT NULL REFERENCES staging.ship (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    name     text,
    flight   text,
    PRIMARY KEY (ship_id, position)
);
COMMENT ON TABLE staging.ship_mission IS 'Missions a ship supported (Ship.missions; null on the current endpoint).';
COMMENT ON COLUMN staging.ship_mission.ship_id IS 'The ship.';
COMMENT ON COLUMN staging.ship_mission.position IS 'Index of the element in the upstream list.';
COMMENT ON COLUMN staging.ship_mission.name IS 'Mission name as on the launch (no id to resolve).';
COMMENT ON COLUMN staging.ship_mission.flight IS 'Flight number of the launch, as text (the API types it String).';

CREATE TABLE staging.extract_run_reference (
    run_id     bigint  NOT NULL REFERENCES staging.extract_run (id) ON DELETE CASCADE,
    reference  text    NOT NULL,
    target     text    NOT NULL,
    unresolved integer NOT NULL CHECK (unresolved >= 0),
    PRIMARY KEY (run_id, reference)
);
COMMENT ON TABLE staging.extract_run_reference IS 'After each published run: how many references of staging point at a record staging does not hold.';
COMMENT ON COLUMN staging.extract_run_reference.run_id IS 'The run that counted.';
COMMENT ON COLUMN staging.extract_run_reference.reference IS 'The referencing column, table.column (e.g. launch_payload.payload_id).';
COMMENT ON COLUMN staging.extract_run_reference.target IS 'The staging table whose id it names (e.g. payload).';
COMMENT ON COLUMN staging.extract_run_reference.unresolved IS 'Values naming no row of the target, plus null elements of relation lists; kept in staging, never refused.';
