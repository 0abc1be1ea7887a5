// Start and stop: the broker provisioner (embedded or external RabbitMQ, with the platform's
// own broker password kept in platform.db), the AMQP link, the box-facing HTTP server, the
// background provisioning of every box, the retry timer and the watch on the boxes' broker links —
// and their orderly close.
import { randomBytes } from 'node:crypto';
import { AmqpLink } from './amqp-link';
import { startBoxServer, type BoxServer } from './box-http';
import { boxConnectionsPerAddress } from './box-port-options';
import type { BoxHandlers } from './box-handlers';
import { createEmbeddedProvisioner } from './broker-embedded';
import { ConnectionWatch } from './connection-watch';
import { SETTING_BROKER_PASSWORD, type PlatformCore } from './core';
import { PlatformError } from './errors';
import { sweepPhotos } from './photo-sweep';
import type { SyncRunner } from './sync-runner';

export class Lifecycle {
  boxPort = 0;
  private server: BoxServer | null = null;
  private photoTimer: NodeJS.Timeout | undefined;
  private links: ConnectionWatch | undefined;

  constructor(
    private readonly core: PlatformCore,
    private readonly runner: SyncRunner,
    private readonly box: BoxHandlers,
  ) {}

  async start(): Promise<void> {
    const { core } = this;
    const o = core.o;
    await core.loadSettings();
    let pw = core.settings.get(SETTING_BROKER_PASSWORD);
    if (!pw) {
      pw = randomBytes(24).toString('base64url');
      await core.setSetting(SETTING_BROKER_PASSWORD, pw);
    }
    if (typeof o.provisioner === 'function') core.provisioner = o.provisioner(pw);
    else if (o.brokerControl) core.provisioner = createEmbeddedProvisioner({ control: o.brokerControl, port: o.amqpPort ?? 5672, platformPassword: pw });
    else throw new PlatformError('the platform needs a broker: the embedded one or --broker-url', 'no_broker', 500);
    core.link = new AmqpLink(core.provisioner, (devSno, body) => this.box.result(devSno, body));
    const maxConnectionsPerPeer = boxConnectionsPerAddress(o.boxConnectionsPerAddress);
    this.server = await startBoxServer({ port: o.boxPort ?? 8090, host: o.boxHost ?? '0.0.0.0', handlers: this.box.http(), maxConnectionsPerPeer }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new PlatformError(`the box port ${o.boxPort ?? 8090} is already in use; pass --box-port N (or stop the other program)`, 'box_port', 500);
      throw err;
    });
    this.boxPort = this.server.port;
    // photo files of writes that never committed (a rollback, a crash): at start and every hour
    await this.sweepPhotos();
    this.photoTimer = setInterval(() => void this.sweepPhotos(), 3600_000);
    this.photoTimer.unref();
    // the broker comes up (and every box's resources are checked) in the background, then every
    // box is synced once (SyncRunner.provisionAll): what a crash left undone is done then
    void this.runner.provisionAll();
    this.runner.startTimer();
    this.links = new ConnectionWatch(core, o.linkWatchMs ?? 3000);
    this.links.start();
  }

  private async sweepPhotos(): Promise<void> {
    if (this.core.closed) return;
    await sweepPhotos(this.core).catch((err: Error) => process.emitWarning(`platform: could not sweep unreferenced photo files: ${err.message}`));
  }

  async close(): Promise<void> {
    const { core } = this;
    clearInterval(this.photoTimer);
    this.links?.stop();
    core.stopAutoSync();
    this.runner.stopTimer();
    await this.server?.close();
    await core.link?.close();
    await core.provisioner?.close();
    await core.drain();
    await this.runner.drain();
    await core.reads.close();
    await core.db.close();
  }
}
