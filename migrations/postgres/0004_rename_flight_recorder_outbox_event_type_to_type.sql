-- Migration 0004 (postgres), written by hand for spec handshake_ai_job_model 0.4.0 (Master Spec v02.84).
-- Codegen writes additive migrations only, and a column rename is not additive (issue #12 part 2
-- adds `renamed_from`); migrations/snapshots/0004.json records the schema this file produces.
--
-- §11.5 names the Flight Recorder event's discriminator `type`, and the wire name is now the
-- spec's in every target (ADR 0002); spec 0.3.0 stored it as event_type. RENAME COLUMN keeps every
-- row: it is not an UPDATE, so the append-only triggers do not fire, and the index
-- flight_recorder_outbox_event_type follows the column. `type` is not a reserved word in SQLite or
-- PostgreSQL, so the column is written unquoted like every other.

ALTER TABLE flight_recorder_outbox RENAME COLUMN event_type TO type;
