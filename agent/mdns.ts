// mDNS advertisement (bonjour-service): service type `se3-agent` over TCP, with TXT records
// dev_sno, version, mac, hostname. Re-published whenever DevSno changes so browsers see the
// new value at once.
import { Bonjour, type Service } from 'bonjour-service';
import type { BoxIdentity } from './identity';

export const MDNS_SERVICE_TYPE = 'se3-agent';

export interface Advertiser {
  update(devSno: string | null): Promise<void>;
  close(): Promise<void>;
}

export function advertise(opts: { name: string; port: number; version: string; identity: BoxIdentity; devSno: string | null; interface?: string }): Advertiser {
  // multicast-dns takes `interface` (the address to send from and to join the group on);
  // bonjour-service passes it through. Bind 0.0.0.0 all the same: a socket bound to the
  // unicast address never receives the multicast queries.
  const bonjour = new Bonjour((opts.interface ? { interface: opts.interface, bind: '0.0.0.0' } : {}) as ConstructorParameters<typeof Bonjour>[0]);
  let service: Service | null = null;

  const publish = (devSno: string | null) => {
    service = bonjour.publish({
      name: opts.name,
      type: MDNS_SERVICE_TYPE,
      protocol: 'tcp',
      port: opts.port,
      host: `${opts.identity.hostname}.local`,
      txt: {
        dev_sno: devSno ?? '',
        version: opts.version,
        mac: opts.identity.mac ?? '',
        hostname: opts.identity.hostname,
      },
      probe: false,
    });
    service.on('error', () => undefined); // a name clash must not take the agent down
  };

  const unpublish = () =>
    new Promise<void>((resolve) => {
      const s = service;
      service = null;
      if (!s?.stop) return resolve();
      s.stop(() => resolve());
    });

  publish(opts.devSno);
  return {
    async update(devSno) {
      await unpublish();
      publish(devSno);
    },
    async close() {
      await unpublish();
      await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
    },
  };
}
