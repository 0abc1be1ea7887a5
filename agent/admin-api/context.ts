// What the local admin API's resource modules share, and their shape.
import type { IncomingMessage } from 'node:http';
import type { FacePool } from '../face';
import type { UsersStore } from '../users/store';
import type { AgentDb } from '../store/db';
import type { Directory } from './directory';
import type { AdminSettings } from './settings';

export interface AdminContext {
  dir: Directory;
  settings: AdminSettings;
  users: UsersStore;
  db: AgentDb;
  face(): Promise<FacePool>;
  modelId(): string;
  /** largest enrolment photo, bytes */
  maxPhotoBytes: number;
  /** deletes every stored event; returns how many there were */
  wipeEvents(): Promise<number>;
  log(line: string): void;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** One §7 resource: per method, a handler whose result is sent as `{"data": result}`. */
export type Resource = Partial<Record<Method, (req: IncomingMessage, ctx: AdminContext) => Promise<unknown>>>;
