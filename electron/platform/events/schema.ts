// platform.db migration 3: what the boxes report (PROTOCOL §6). Events (one row per event,
// realtime and history copies merged; pictures content-addressed on disk, referenced by sha256),
// the latest device status per box with a bounded metric history, capture devices per box, and
// alerts (raised/cleared).
import type { Migration } from '../../../agent/store/db';

export const EVENTS_MIGRATION: Migration = {
  version: 3,
  sql: `
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  dev_sno TEXT NOT NULL,
  ep_id TEXT NOT NULL DEFAULT '',
  device_ip TEXT NOT NULL DEFAULT '',
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  identity_id TEXT NOT NULL DEFAULT '',
  identity_name TEXT NOT NULL DEFAULT '',
  person_type INTEGER NOT NULL DEFAULT 0,
  stranger INTEGER NOT NULL DEFAULT 0,
  score REAL NOT NULL DEFAULT 0,
  group_name TEXT NOT NULL DEFAULT '',
  age INTEGER,
  sex INTEGER,
  box_fiqa_json TEXT,
  spot_sha TEXT,
  spot_ext TEXT,
  reg_sha TEXT,
  reg_ext TEXT,
  pic_bytes INTEGER NOT NULL DEFAULT 0,
  realtime INTEGER NOT NULL DEFAULT 0,
  history INTEGER NOT NULL DEFAULT 0,
  corrected_person_id TEXT,
  enrolled_person_id TEXT
);
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_dev_ts ON events(dev_sno, ts);
CREATE INDEX events_ep_ts ON events(ep_id, ts);
CREATE INDEX events_identity_ts ON events(identity_id, ts);
CREATE INDEX events_spot ON events(spot_sha);
CREATE INDEX events_reg ON events(reg_sha);
CREATE TABLE device_status (
  dev_sno TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  gateway_ip TEXT,
  gateway_name TEXT,
  gateway_sn TEXT,
  mac TEXT,
  sw_version TEXT,
  sdk_version TEXT
);
CREATE TABLE device_metrics (
  id INTEGER PRIMARY KEY,
  dev_sno TEXT NOT NULL,
  at INTEGER NOT NULL,
  cpu REAL,
  mem_size REAL,
  mem_usage REAL,
  disk_size REAL,
  disk_free REAL
);
CREATE INDEX device_metrics_dev_at ON device_metrics(dev_sno, at);
CREATE TABLE capture_devices (
  dev_sno TEXT NOT NULL,
  ep_id TEXT NOT NULL,
  ep_ip TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'unknown',
  location TEXT NOT NULL DEFAULT '',
  stream_url TEXT NOT NULL DEFAULT '',
  direction INTEGER,
  version TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (dev_sno, ep_id)
);
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  dev_sno TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  cleared_at INTEGER
);
CREATE INDEX alerts_active ON alerts(cleared_at, dev_sno);
`,
};
