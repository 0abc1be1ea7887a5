// The agent database's schema steps (agent.db), in order. Each agent part adds its tables as a
// new version at the end; never edit a step that has shipped.
import type { Migration } from './db';

export const AGENT_MIGRATIONS: Migration[] = [
  {
    // enrolled users (PROTOCOL §4.1/§5) and the results of MQ commands waiting to be delivered
    version: 1,
    sql: `
CREATE TABLE users (
  identity_id    TEXT PRIMARY KEY,
  name           TEXT,
  type           INTEGER,
  register_type  INTEGER NOT NULL,
  permission_ids TEXT NOT NULL,            -- JSON array of strings
  info           TEXT NOT NULL,            -- JSON object: the other info keys, as given
  photo          BLOB NOT NULL,            -- the enrolment photo as received
  photo_sha256   TEXT NOT NULL,
  embedding      BLOB NOT NULL,            -- Float32Array, little-endian
  model_id       TEXT NOT NULL,            -- descriptorModelId() of the model that made it
  fiqa           TEXT,                     -- JSON: the enrolled face's §4.4 entry
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX users_model ON users (model_id);
CREATE TABLE mq_results (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  body_sha256  TEXT NOT NULL,              -- the command message's body (redelivery check)
  kind         TEXT NOT NULL,              -- 'command' | 'fiqa' (fiqa results prefer fiqaUploadQueue)
  notify_url   TEXT,                       -- extend_params.notify_path, composed (§3)
  result       TEXT NOT NULL,              -- the §4.5 result object
  created_at   TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_try_at  INTEGER NOT NULL DEFAULT 0, -- ms since the epoch
  sent_at      TEXT,                       -- null: still to deliver
  last_error   TEXT
);
CREATE INDEX mq_results_pending ON mq_results (sent_at, next_try_at);
CREATE INDEX mq_results_body ON mq_results (body_sha256)`,
  },
];
