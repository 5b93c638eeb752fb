-- pg_trgm backs case-insensitive 'name contains' search (SPEC P4, G3) with a GIN index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
