// API contract, "events" area: what the boxes report to the site platform (PROTOCOL §6) —
// passage events (realtime + history, deduplicated) with their pictures, device status and its
// history, the boxes' capture devices, alerts, and the two corrections an operator makes from
// the Events page ("enrol this stranger", "this is X"). Types and name lists only (no runtime
// dependencies: the sandboxed preload and the renderer import this).
import type { PersonView, PhotoVerdictView } from './platform';

/** One passage event as stored by the platform (a realtime event and its history copy are one). */
export interface EventView {
  /** The platform's id of the event: the box's ext_data.event_id, else a hash of dev_sno, ep_id, timestamp, identity_id. */
  id: string;
  devSno: string;
  /** The box's name on the platform ('' when it has none). */
  boxName: string;
  /** The capture device (ext_data.ep_id, `dev_sno__ip`), '' when the box sent none. */
  epId: string;
  /** ext_data.device_ip. */
  deviceIp: string;
  /** When the box saw the face (ms since the epoch, the box's clock). */
  timestamp: number;
  /** When the platform first received it (ms). */
  receivedAt: number;
  /** '' for a stranger. */
  identityId: string;
  identityName: string;
  /** ext_data.person_type: 1 staff, 2 visitor, 3 blacklist, 4 stranger, 5 VIP. */
  personType: number;
  /** person_type 4 or no identity_id. */
  stranger: boolean;
  score: number;
  /** The matched person's group: its name on the platform ('' when the box sent none). */
  groupName: string;
  /** That group's permission id (`se3kit platform groups list`) when it is a platform group; the box sends the id. */
  groupId: number | null;
  /** box_fiqa_info.age / .sex (0 male, 1 female) when the box sent them. */
  age: number | null;
  sex: number | null;
  /** box_fiqa_info as sent (null when absent). */
  boxFiqa: Record<string, unknown> | null;
  /** Whether the spot picture is stored (read it with events.picture which 'spot'). */
  hasSpotPic: boolean;
  /** Whether a registration photo can be shown: the person's best photo on the platform, else the event's reg_pic. */
  hasRegPhoto: boolean;
  /** How it arrived: realtime, history, or both (a realtime event later seen in a history batch). */
  source: 'realtime' | 'history' | 'both';
  /** Set by "this is X" (events.identify): the person the operator says it is. */
  correctedPersonId: string | null;
  /** Set by "enrol this stranger": the person created from this event's spot picture. */
  enrolledPersonId: string | null;
}

export interface EventFilter {
  /** Only this box (dev_sno). */
  devSno?: string;
  /** Only this capture device (ep_id). */
  epId?: string;
  /** Only events recognised as (or corrected to) this person id. */
  personId?: string;
  /** known = recognised people, stranger = person_type 4 / no identity. Default all. */
  kind?: 'all' | 'known' | 'stranger';
  /** timestamp ≥ since (ms). */
  since?: number;
  /** timestamp < until (ms). */
  until?: number;
  /** Received by the platform at or after this time (ms): what `events --follow` polls with. */
  receivedSince?: number;
  /** Page size (default 100, at most 1000), newest first. */
  limit?: number;
  offset?: number;
}

export interface EventPage {
  /** Events matching the filter (all pages). */
  total: number;
  events: EventView[];
}

export interface MetricPoint {
  /** When the platform received the status report (ms). */
  at: number;
  /** Percent (0–100). */
  cpuUsage: number | null;
  /** GB. */
  memorySize: number | null;
  /** Fraction (0–1). */
  memoryUsage: number | null;
  /** GB. */
  diskSize: number | null;
  /** GB. */
  diskFreeSize: number | null;
}

export interface CaptureDeviceView {
  epId: string;
  epIp: string;
  name: string;
  /** ep_type: '0' gate, '1' snapshot camera, '2' IPC static, '3' IPC dynamic, '4' door access. */
  type: string;
  status: 'online' | 'offline' | 'unknown';
  location: string;
  streamUrl: string;
  /** 0 in, 1 out (from §6.2), null when unknown. */
  direction: number | null;
  version: string;
  /** Last report naming this device (ms). */
  updatedAt: number;
}

export interface DeviceStatusView {
  devSno: string;
  name: string;
  /** Reported status within three status periods (or, before any status, logged in within that time). */
  online: boolean;
  /** Last request of any kind from the box (ms), null if never. */
  lastSeenAt: number | null;
  /** Last §6.1 status report (ms), null if never. */
  lastStatusAt: number | null;
  /** The status period handed to boxes at login (s). */
  periodS: number;
  gatewayIp: string | null;
  gatewayName: string | null;
  mac: string | null;
  swVersion: string | null;
  sdkVersion: string | null;
  latest: MetricPoint | null;
  captureDevices: CaptureDeviceView[];
  /** Alerts of this box still raised. */
  activeAlerts: number;
}

export interface MetricSeries {
  devSno: string;
  /** Oldest first; at most maxPoints (evenly thinned when more are stored). */
  points: MetricPoint[];
}

export interface AlertView {
  id: number;
  devSno: string;
  /** 'offline': the box missed three status periods. */
  kind: string;
  message: string;
  raisedAt: number;
  clearedAt: number | null;
  active: boolean;
}

export interface RetentionView {
  /** Newest events kept (0 = no count limit). */
  maxEvents: number;
  /** Events older than this many days are deleted (0 = no age limit). */
  maxAgeDays: number;
  /** Stored events and the bytes of their pictures now. */
  events: number;
  pictureBytes: number;
}

export interface EnrolStrangerResult {
  /** Whether the person was created (the spot picture passed the FIQA check, or force). */
  created: boolean;
  person: PersonView | null;
  verdict: PhotoVerdictView;
}

/** Methods of this area: name → [params, result]. */
export interface EventsMethods {
  'events.list': [EventFilter, EventPage];
  'events.get': [{ id: string }, EventView];
  /** spot: the event's spot picture; registration: the person's best photo (else the event's reg_pic). Base64. */
  'events.picture': [{ id: string; which: 'spot' | 'registration' }, { type: string; data: string }];
  /**
   * "Enrol this stranger": checks the spot picture (FIQA, level high) and, if it passes (or force),
   * creates the person (register_type 2, type default 2 visitor) with it as the photo, in the given groups
   * (default: the groups assigned to the event's box, so that box recognises them next time).
   * One transaction with the event's mark: an event already enrolled is `already_enrolled` (409),
   * one deleted by the retention `no_event` (404).
   */
  'events.enrolStranger': [{ id: string; name: string; personId?: string; type?: number; groups?: string[]; force?: boolean }, EnrolStrangerResult];
  /**
   * "This is X": adds the event's spot picture to person X's photos (checked like any photo) and marks
   * the event, in one transaction (moved off a person named before); `no_person` / `no_event` (404).
   */
  'events.identify': [{ id: string; personId: string }, { person: PersonView; verdict: PhotoVerdictView }];
  'events.retention': [{ maxEvents?: number; maxAgeDays?: number }, RetentionView];
  /** Every device (authorisation code) with its reported status. */
  'events.devices.status': [Record<string, never>, DeviceStatusView[]];
  /** CPU/memory/disk over time for the charts (since/until in ms, default the last 24 h). */
  'events.devices.metrics': [{ devSno: string; since?: number; until?: number; maxPoints?: number }, MetricSeries];
  /** Alerts newest first; active only by default. */
  'events.alerts.list': [{ all?: boolean; devSno?: string; limit?: number }, AlertView[]];
}

/** Events of this area: name → payload. */
export interface EventsEvents {
  /** A new event was stored (realtime or history; not sent again when its copy arrives). */
  'events.new': EventView;
  /** A box's status changed: a status report, a capture device added/removed, online/offline. */
  'events.devices.status': DeviceStatusView;
  /** An alert was raised or cleared. */
  'events.alerts.changed': AlertView;
}

export const EVENTS_METHODS: Record<keyof EventsMethods, true> = {
  'events.list': true,
  'events.get': true,
  'events.picture': true,
  'events.enrolStranger': true,
  'events.identify': true,
  'events.retention': true,
  'events.devices.status': true,
  'events.devices.metrics': true,
  'events.alerts.list': true,
};
export const EVENTS_EVENTS: Record<keyof EventsEvents, true> = { 'events.new': true, 'events.devices.status': true, 'events.alerts.changed': true };

/** A box is offline after this many missed status periods. */
export const MISSED_PERIODS_OFFLINE = 3;

/** How long after its last report a box counts as offline: three missed periods, plus half a period for a late report. */
export function offlineAfterMs(statusPeriodS: number): number {
  return (MISSED_PERIODS_OFFLINE + 0.5) * statusPeriodS * 1000;
}
