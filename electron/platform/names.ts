// Generated identifiers and secrets: dev_sno authorisation codes (24 upper-case letters and
// digits, like the vendor's), box tokens (random, only their hash is stored), broker names
// and passwords for one box.
import { createHash, randomBytes, randomInt } from 'node:crypto';

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const DEV_SNO_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A fresh dev_sno: 24 characters of A–Z and 0–9 (about 124 bits). */
export function newDevSno(): string {
  let s = '';
  for (let i = 0; i < 24; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newBrokerPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** `0x` + 12 lower-case hex digits (PROTOCOL §2). Upper-case digits are accepted and lowered. */
export function normaliseHexMac(v: string): string | null {
  return /^0x[0-9a-fA-F]{12}$/.test(v) ? v.toLowerCase() : null;
}

/** 0xe0a50900062b → e0:a5:09:00:06:2b (how the UI shows it). */
export function macForDisplay(hex: string | null): string | null {
  if (!hex) return null;
  return hex.slice(2).match(/../g)!.join(':');
}

/** Escapes a name for a RabbitMQ permission regex. */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Broker resources of one box. Commands live in the shared vhost, results in the box's own. */
export interface BoxBrokerNames {
  user: string;
  vhost: string;
  uploadVhost: string;
  exchange: string;
  queue: string;
  fiqaDownQueue: string;
  uploadQueue: string;
  fiqaUploadQueue: string;
}

export const COMMAND_VHOST = 'se3';

export function boxBrokerNames(devSno: string): BoxBrokerNames {
  return {
    user: `box.${devSno}`,
    vhost: COMMAND_VHOST,
    uploadVhost: `se3.up.${devSno}`,
    exchange: `se3.cmd.${devSno}`,
    queue: `se3.${devSno}.cmd`,
    fiqaDownQueue: `se3.${devSno}.fiqa.down`,
    uploadQueue: `se3.${devSno}.results`,
    fiqaUploadQueue: `se3.${devSno}.fiqa.up`,
  };
}

/**
 * The box's permissions (RabbitMQ regexes). In the shared command vhost it may configure and
 * read its own exchange and queues and bind (write) its own queues — it can publish nothing
 * there. In its upload vhost it may publish (default exchange) and declare its upload queues,
 * and read nothing.
 */
export function boxPermissions(n: BoxBrokerNames): { command: Perm; upload: Perm } {
  const own = [n.queue, n.fiqaDownQueue].map(reEscape).join('|');
  const up = [n.uploadQueue, n.fiqaUploadQueue].map(reEscape).join('|');
  const x = reEscape(n.exchange);
  return {
    command: { configure: `^(${own}|${x})$`, write: `^(${own})$`, read: `^(${own}|${x})$` },
    // '' is how the embedded broker names the default exchange; RabbitMQ says amq.default
    upload: { configure: `^(${up})$`, write: `^(${up}|amq\\.default|)$`, read: '^$' },
  };
}

export interface Perm {
  configure: string;
  write: string;
  read: string;
}
