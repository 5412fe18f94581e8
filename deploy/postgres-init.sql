-- Run once by the postgres image on an empty data volume (deploy/compose.yaml, profile postgres),
-- as POSTGRES_USER in POSTGRES_DB (registry): each service keeps a database of its own.
CREATE DATABASE award;
