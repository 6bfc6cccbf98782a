DROP TABLE marts.publication_by_object_history;
DROP TABLE marts.publication_history;
