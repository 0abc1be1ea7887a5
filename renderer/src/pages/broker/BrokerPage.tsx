// The Broker page: start/stop the embedded AMQP broker, its users, and its live stats
// (totals and rates, queues, connections, channels) pushed about once a second.
import { ChannelsTable } from './ChannelsTable';
import { ConnectionsTable } from './ConnectionsTable';
import { QueuesTable } from './QueuesTable';
import { RefusedLoginsCard } from './RefusedLoginsCard';
import { ServerCard } from './ServerCard';
import { StatsTiles } from './StatsTiles';
import { UsersCard } from './UsersCard';
import { useBroker } from './useBroker';
import './broker.css';

const EMPTY_TITLE = {
  stopped: 'The broker is stopped',
  starting: 'The broker is starting…',
  running: 'Waiting for the first statistics…',
  stopping: 'The broker is stopping…',
} as const;

export function BrokerPage() {
  const broker = useBroker();
  const { status, stats } = broker;

  if (!status) {
    return (
      <div className="page broker-page">
        {broker.loadError ? (
          <div className="banner error" role="alert">
            {broker.loadError}
          </div>
        ) : (
          <div className="card empty">
            <div className="spinner" aria-hidden="true" />
            <p>Reading the broker's state…</p>
          </div>
        )}
      </div>
    );
  }

  const running = status.state === 'running';
  const failed = broker.failure;
  const serverError = failed && (failed.action === 'start' || failed.action === 'stop') ? failed.message : status.state === 'stopped' ? status.lastError : null;
  const usersError = failed && (failed.action === 'addUser' || failed.action === 'deleteUser' || failed.action === 'setPassword') ? failed.message : null;
  return (
    <div className="page broker-page">
      <div className="broker-top">
        <ServerCard
          status={status}
          uptimeMs={stats ? stats.uptimeMs : null}
          busy={broker.busy !== null}
          error={serverError}
          onStart={(r) => void broker.start(r)}
          onStop={() => void broker.stop()}
        />
        <UsersCard users={status.users} busy={broker.busy !== null} error={usersError} onAdd={broker.addUser} onDelete={broker.deleteUser} onSetPassword={broker.setPassword} />
      </div>
      {running && stats ? (
        <>
          {stats.blocked && (
            <div className="banner warn" role="status">
              Publishers are paused: {stats.blocked}. Free some disk space under the data folder; publishing resumes by itself.
            </div>
          )}
          <StatsTiles stats={stats} />
          <QueuesTable queues={stats.queues} />
          <ConnectionsTable connections={stats.connections} at={stats.at} />
          <RefusedLoginsCard refused={stats.refusedLogins ?? []} at={stats.at} />
          <ChannelsTable channels={stats.channels} connections={stats.connections} />
        </>
      ) : (
        <section className="card empty" aria-label="Live statistics">
          <p className="empty-title">{EMPTY_TITLE[status.state]}</p>
          <p>
            {status.state === 'stopped'
              ? 'Start it to see connected boxes, queues with their depth, and message rates here, live.'
              : 'Statistics update about once a second while the broker runs.'}
          </p>
        </section>
      )}
    </div>
  );
}
