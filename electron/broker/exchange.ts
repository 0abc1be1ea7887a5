// Exchanges and their bindings: direct, fanout, topic and headers routing.
import type { Fields } from './codec';

export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';
export const EXCHANGE_TYPES: ReadonlySet<string> = new Set(['direct', 'fanout', 'topic', 'headers']);

export interface Binding {
  source: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  routingKey: string;
  args: Fields;
}

export class Exchange {
  bindings: Binding[] = [];
  private direct = new Map<string, Binding[]>();
  private topicCache = new Map<string, string[]>();

  constructor(
    readonly name: string,
    readonly type: ExchangeType,
    readonly durable: boolean,
    readonly autoDelete: boolean,
    readonly internal: boolean,
    readonly args: Fields,
  ) {}

  hasBinding(b: Binding): Binding | undefined {
    return this.bindings.find((x) => sameBinding(x, b));
  }

  addBinding(b: Binding): boolean {
    if (this.hasBinding(b)) return false;
    this.bindings.push(b);
    if (this.type === 'direct') {
      const list = this.direct.get(b.routingKey) ?? [];
      list.push(b);
      this.direct.set(b.routingKey, list);
    }
    return true;
  }

  removeBinding(b: Binding): boolean {
    const i = this.bindings.findIndex((x) => sameBinding(x, b));
    if (i < 0) return false;
    const [gone] = this.bindings.splice(i, 1);
    if (this.type === 'direct') {
      const list = (this.direct.get(b.routingKey) ?? []).filter((x) => x !== gone);
      if (list.length) this.direct.set(b.routingKey, list);
      else this.direct.delete(b.routingKey);
    }
    return true;
  }

  removeDestination(type: 'queue' | 'exchange', name: string): Binding[] {
    const gone = this.bindings.filter((b) => b.destinationType === type && b.destination === name);
    for (const b of gone) this.removeBinding(b);
    return gone;
  }

  /** The bindings a message with this routing key and headers matches. */
  route(routingKey: string, headers: Fields | undefined): Binding[] {
    switch (this.type) {
      case 'direct':
        return this.direct.get(routingKey) ?? [];
      case 'fanout':
        return this.bindings;
      case 'topic':
      {
        const key = routingKey === '' ? [] : routingKey.split('.');
        return this.bindings.filter((b) => topicMatch(this.topicWords(b.routingKey), key));
      }
      case 'headers':
        return this.bindings.filter((b) => headersMatch(b.args, headers ?? {}));
    }
  }

  private topicWords(pattern: string): string[] {
    let w = this.topicCache.get(pattern);
    if (!w) {
      w = pattern === '' ? [] : pattern.split('.');
      this.topicCache.set(pattern, w);
    }
    return w;
  }
}

export function sameBinding(a: Binding, b: Binding): boolean {
  return (
    a.source === b.source &&
    a.destination === b.destination &&
    a.destinationType === b.destinationType &&
    a.routingKey === b.routingKey &&
    tablesEqual(a.args, b.args)
  );
}

/** AMQP topic match: words split by '.', '*' = exactly one word, '#' = zero or more words. */
export function topicMatch(pattern: string[], key: string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (p: number, k: number): boolean => {
    const id = p * (key.length + 1) + k;
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (p === pattern.length) r = k === key.length;
    else if (pattern[p] === '#') r = go(p + 1, k) || (k < key.length && go(p, k + 1));
    else r = k < key.length && (pattern[p] === '*' || pattern[p] === key[k]) && go(p + 1, k + 1);
    memo.set(id, r);
    return r;
  };
  return go(0, 0);
}

function headersMatch(args: Fields, headers: Fields): boolean {
  const mode = String(args['x-match'] ?? 'all');
  const withX = mode.endsWith('-with-x');
  const keys = Object.keys(args).filter((k) => withX || !k.startsWith('x-'));
  const test = (k: string): boolean => {
    if (!(k in headers)) return false;
    const v = args[k];
    if (v === null || v === undefined) return true;
    return valuesEqual(v, headers[k]);
  };
  if (mode.startsWith('any')) return keys.some(test);
  return keys.every(test);
}

function valuesEqual(a: unknown, b: unknown): boolean {
  if (a && typeof a === 'object' && b && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number(a) === Number(b));
}

export function tablesEqual(a: Fields, b: Fields): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined).sort();
  const kb = Object.keys(b).filter((k) => b[k] !== undefined).sort();
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
