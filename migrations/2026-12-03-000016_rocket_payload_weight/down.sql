DROP TABLE staging.rocket_payload_weight;
