DROP TABLE marts.check_result;
