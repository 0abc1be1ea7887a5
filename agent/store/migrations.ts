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
  {
    // capture devices (sub_devices, PROTOCOL §6.1/§6.2), recognition events (§6.3) with their
    // spot pictures, and the history upload's cursors (one per recordAddr URL)
    version: 2,
    sql: `
CREATE TABLE capture_devices (
  ep_ip          TEXT PRIMARY KEY,
  ep_type        TEXT NOT NULL,            -- "0" gate .. "4" door access (§6.1)
  name           TEXT NOT NULL,
  location       TEXT NOT NULL,
  stream_url     TEXT NOT NULL,
  direction      INTEGER NOT NULL,         -- 0 in, 1 out
  permission_ids TEXT NOT NULL,            -- JSON array: the permission groups whose users it recognises
  ftp_user       TEXT,                     -- per-camera FTP credentials (snapshot cameras)
  ftp_password   TEXT,
  created_at     TEXT NOT NULL
);
CREATE TABLE events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id     TEXT NOT NULL UNIQUE,       -- sent as ext_data.event_id: the platform's dedup key
  timestamp    INTEGER NOT NULL,           -- ms since the epoch
  score        REAL NOT NULL,
  person_type  INTEGER NOT NULL,
  body         TEXT NOT NULL,              -- the §6.3 event without spot_pic
  spot_pic     BLOB                        -- the snapshot as received
);
CREATE TABLE report_cursors (
  url          TEXT PRIMARY KEY,           -- a history upload URL (composed)
  last_id      INTEGER NOT NULL            -- events.id up to which the platform answered 200
)`,
  },
  {
    // the local admin API (PROTOCOL §7, agent/admin-api/): permission groups (the ids users carry
    // in permission_ids and capture devices bind to), user groups (their name is an event's
    // group_name) with their members, and the API's settings (URLs, periods, modes) as JSON
    version: 3,
    sql: `
CREATE TABLE admin_permissions (
  permission_id   TEXT PRIMARY KEY,        -- what users' info.permission_ids and devices' permission_ids hold
  name            TEXT NOT NULL UNIQUE,    -- permission_name
  description     TEXT NOT NULL,
  info            TEXT NOT NULL,           -- JSON object
  created_at      TEXT NOT NULL
);
CREATE TABLE admin_groups (
  group_name      TEXT PRIMARY KEY,
  description     TEXT NOT NULL,
  info            TEXT NOT NULL,           -- JSON object
  created_at      TEXT NOT NULL
);
CREATE TABLE admin_group_users (
  group_name      TEXT NOT NULL REFERENCES admin_groups (group_name) ON DELETE CASCADE,
  identity_id     TEXT NOT NULL REFERENCES users (identity_id) ON DELETE CASCADE,
  added_at        TEXT NOT NULL,
  PRIMARY KEY (group_name, identity_id)
);
CREATE INDEX admin_group_users_user ON admin_group_users (identity_id);
CREATE TABLE admin_settings (
  key             TEXT PRIMARY KEY,        -- GateControllerMode, EventAction, EventServerUrl, HistoryEventUrl, MonitorServerUrl
  value           TEXT NOT NULL            -- JSON
);
INSERT INTO admin_permissions VALUES ('0', 'default', 'the permission users get when they name none', '{}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
INSERT INTO admin_groups VALUES ('default_group', 'the group users join when they name none', '{}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
  },
];
