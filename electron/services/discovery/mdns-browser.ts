// mDNS browsing (bonjour-service) for `_se3-agent._tcp.local`: one browser per local
// interface we were asked to look on, so queries go out where the boxes are (and nowhere
// else). Each answer becomes a sighting: address, port and the TXT records the agent publishes.
import { EventEmitter } from 'node:events';
import { Bonjour, type Browser, type Service } from 'bonjour-service';
import { cidrContains, ipToInt, type Cidr } from './cidr';
import { normalizeMac } from './neighbours';

export const MDNS_SERVICE_TYPE = 'se3-agent';

export interface MdnsSighting {
  ip: string;
  port: number;
  name: string;
  mac: string | null;
  hostname: string | null;
  dev_sno: string | null;
  version: string | null;
}

interface Session {
  bonjour: Bonjour;
  browser: Browser;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function txtValue(txt: unknown, key: string): string | null {
  const v = (txt as Record<string, unknown> | undefined)?.[key];
  if (typeof v === 'string') return v === '' ? null : v;
  if (Buffer.isBuffer(v)) return v.length ? v.toString('utf8') : null;
  return null;
}

export function sightingOf(service: Service): MdnsSighting | null {
  const referer = (service as Service & { referer?: { address?: string } }).referer?.address;
  const ip = referer && IPV4.test(referer) ? referer : (service.addresses ?? []).find((a) => IPV4.test(a));
  if (!ip || !service.port) return null;
  const mac = txtValue(service.txt, 'mac');
  return {
    ip,
    port: service.port,
    name: service.name,
    mac: mac ? normalizeMac(mac) : null,
    hostname: txtValue(service.txt, 'hostname') ?? (service.host ? service.host.replace(/\.local\.?$/, '') : null),
    dev_sno: txtValue(service.txt, 'dev_sno'),
    version: txtValue(service.txt, 'version'),
  };
}

export class MdnsBrowser extends EventEmitter<{ sighting: [MdnsSighting]; warning: [string] }> {
  private readonly sessions = new Map<string, Session>();

  /**
   * (Re)starts browsing on the given interfaces (null = the OS default interface). Fresh
   * browsers each time, so every box answering the new query is reported again; they keep
   * listening (announcements, TXT changes) until the next browse() or close(). With a subnet,
   * only boxes inside it are reported: the socket also hears multicast that arrives on other
   * interfaces, and those boxes were not asked for.
   */
  browse(interfaces: Array<{ address: string; subnet?: Cidr } | null>): void {
    void this.close();
    for (const entry of interfaces) {
      const iface = entry?.address ?? null;
      const key = iface ?? 'default';
      if (this.sessions.has(key)) continue;
      // bind 0.0.0.0: a socket bound to the unicast address would never see multicast answers.
      const opts = iface ? { interface: iface, bind: '0.0.0.0' } : {};
      const bonjour = new Bonjour(opts as ConstructorParameters<typeof Bonjour>[0], (err: Error) =>
        this.emit('warning', `mDNS on ${key}: ${err.message}`),
      );
      const browser = bonjour.find({ type: MDNS_SERVICE_TYPE, protocol: 'tcp' });
      const onService = (s: Service) => {
        const sighting = sightingOf(s);
        if (!sighting) return;
        if (entry?.subnet && !cidrContains(entry.subnet, ipToInt(sighting.ip) ?? -1)) return;
        this.emit('sighting', sighting);
      };
      browser.on('up', onService);
      browser.on('txt-update', onService);
      browser.on('srv-update', onService);
      this.sessions.set(key, { bonjour, browser });
    }
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.browser.stop();
            s.bonjour.destroy(() => resolve());
          }),
      ),
    );
  }
}
