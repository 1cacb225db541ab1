-- Temporal keeps its own databases beside Plugboard's in the same PostgreSQL (docker-compose.yml).
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
