// What the "events" API area needs from the platform's events side (electron/platform/events/):
// the box reports stored in platform.db, read back for the Events and Devices pages and the CLI.
import type {
  AlertView,
  DeviceStatusView,
  EnrolStrangerResult,
  EventFilter,
  EventPage,
  EventView,
  MetricSeries,
  RetentionView,
} from '../../api/events';
import type { PersonView, PhotoVerdictView } from '../../api/platform';

export interface EnrolStrangerParams {
  id: string;
  name: string;
  personId?: string;
  type?: number;
  groups?: string[];
  force?: boolean;
}

export interface EventsService {
  list(filter: EventFilter): Promise<EventPage>;
  get(id: string): Promise<EventView>;
  picture(id: string, which: 'spot' | 'registration'): Promise<{ type: string; bytes: Buffer }>;
  enrolStranger(p: EnrolStrangerParams): Promise<EnrolStrangerResult>;
  identify(id: string, personId: string): Promise<{ person: PersonView; verdict: PhotoVerdictView }>;
  retention(set: { maxEvents?: number; maxAgeDays?: number }): Promise<RetentionView>;
  devicesStatus(): Promise<DeviceStatusView[]>;
  metrics(devSno: string, o: { since?: number; until?: number; maxPoints?: number }): Promise<MetricSeries>;
  alerts(o: { all?: boolean; devSno?: string; limit?: number }): Promise<AlertView[]>;
  /** Each returns its unsubscribe function. */
  onEvent(listener: (e: EventView) => void): () => void;
  onDeviceStatus(listener: (d: DeviceStatusView) => void): () => void;
  onAlert(listener: (a: AlertView) => void): () => void;
}
