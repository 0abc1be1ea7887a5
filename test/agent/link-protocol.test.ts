// The protocol module's parsing rules (PROTOCOL §2–5) and the command handler's redelivery rule
// (in process, with a real agent.db): a redelivered message whose result is committed is not run
// again and its result is delivered again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commandResult,
  composePhotoUrl,
  composeUrl,
  deleteUsersCommand,
  loginSuccessSchema,
  parseCommand,
  withAuth,
} from '../../agent/protocol';
import { createCommandHandler, DEFAULT_PHOTO_LIMITS } from '../../agent/commands';
import { ResultOutbox } from '../../agent/link/outbox';
import { openAgentDb } from '../../agent/store/db';
import { AGENT_MIGRATIONS } from '../../agent/store/migrations';
import { DbWriter } from '../../agent/store/serial';
import { UsersStore } from '../../agent/users/store';
import { waitFor } from './link-fixture';

const rabbit = { host: 'h', login: 'l', password: 'p', queue: 'q', exchange: { name: 'e' } };

test('login body: port as "5672" or 5672, defaults filled, exchange needed unless unNeedBindExchange', () => {
  const a = loginSuccessSchema.parse({ token: 't', rabbitmq: { ...rabbit, port: '5672' } });
  assert.equal(a.rabbitmq.port, 5672);
  assert.deepEqual(a.rabbitmq.exchange, { name: 'e', type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null });
  assert.equal(a.recordUploadPeriod, 5);
  assert.equal(a.deviceMonitorPeriod, 20);
  assert.equal(loginSuccessSchema.parse({ token: 't', rabbitmq: { ...rabbit, port: 5672 } }).rabbitmq.port, 5672);
  assert.equal(loginSuccessSchema.safeParse({ token: 't', rabbitmq: { ...rabbit, port: '56x' } }).success, false);
  const { exchange: _e, ...noEx } = rabbit;
  assert.equal(loginSuccessSchema.safeParse({ token: 't', rabbitmq: { ...noEx, port: 1 } }).success, false);
  assert.equal(loginSuccessSchema.safeParse({ token: 't', rabbitmq: { ...noEx, port: 1, unNeedBindExchange: true } }).success, true);
});

test('URL composition (§3)', () => {
  assert.equal(composeUrl('http://x.com:8080/a/login', '/getRecord'), 'http://x.com:8080/getRecord');
  assert.equal(composeUrl('http://x.com:8080/a/login', 'https://y.org/r?a=1'), 'https://y.org/r?a=1');
  assert.throws(() => composeUrl('http://x.com/login', 'ftp://y/z'), /neither an absolute http/);
  assert.throws(() => composeUrl('http://x.com/login', 'relative/no-slash'), /neither an absolute http/);
  assert.equal(composePhotoUrl('http://x.com:8080/login', '/p/1.jpg'), 'http://x.com:8080/p/1.jpg');
  assert.equal(composePhotoUrl('http://x.com:8080/login', '/p/1.jpg', 'http://img:81/base/'), 'http://img:81/base/p/1.jpg');
  assert.equal(withAuth('http://x.com/getSendPerson', 'DEV', 'T&K'), 'http://x.com/getSendPerson?dev_sno=DEV&token=T%26K');
});

test('commands: missing extend_params is {}, a numeric messageId is echoed as a string, bad shapes give a reason', () => {
  const ok = parseCommand(JSON.stringify({ method: 'delete_users', messageId: 12, userid_list: ['1', 2] }));
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.deepEqual(ok.command.extend_params, {});
    assert.equal(ok.command.messageId, '12');
    assert.deepEqual((ok.command as { userid_list: string[] }).userid_list, ['1', '2']);
  }
  const both = parseCommand(JSON.stringify({ method: 'add_users_plus', userid_list: ['1'], user_info_list: [], extend_params: { path: '/p', notify_path: '/n' } }));
  assert.ok(!both.ok);
  if (!both.ok) {
    assert.match(both.reason, /exactly one of userid_list or user_info_list/);
    assert.equal(both.notifyPath, '/n');
  }
  const noMethod = parseCommand('{"messageId":"x"}');
  assert.ok(!noMethod.ok && noMethod.reason === 'message has no method' && noMethod.messageId === 'x');
  assert.deepEqual(Object.keys(commandResult({ devSno: 'D', method: 'wipe_data' })), ['success', 'code', 'message', 'dev_sno', 'messageKey', 'result']);
});

test('a redelivered message whose result is committed is not run again; its result is delivered again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'se3-link-redeliver-'));
  const db = await openAgentDb(dir, { migrations: AGENT_MIGRATIONS });
  try {
    const writer = new DbWriter(db);
    const users = await UsersStore.open(writer);
    const published: string[] = [];
    const outbox = new ResultOutbox({
      writer,
      route: () => ({ kind: 'mq', where: 'upload', queue: 'up' }),
      publish: async (_w, _q, b) => void published.push(b.toString()),
      post: async () => undefined,
      log: () => undefined,
    });
    let deletes = 0;
    const realDelete = users.delete.bind(users);
    users.delete = async (ids) => (deletes++, realDelete(ids));
    const handler = createCommandHandler(
      {
        devSno: () => 'DEV',
        session: () => null,
        users,
        db,
        face: () => Promise.reject(new Error('not needed')),
        modelId: () => 'faceres:test',
        photoLimits: DEFAULT_PHOTO_LIMITS,
        concurrency: 4,
        stopping: () => false,
        log: () => undefined,
      },
      outbox,
    );
    const body = Buffer.from(JSON.stringify(deleteUsersCommand(['a'], { messageId: 'r1' })));
    await handler('command', body, false);
    await waitFor('first result', () => published.length === 1);
    await handler('command', body, true); // the broker redelivers it (the ack was lost)
    await waitFor('second result', () => published.length === 2);
    assert.equal(deletes, 1);
    assert.equal(published[1], published[0]);
    assert.equal(JSON.parse(published[0]!).messageId, 'r1');
    await handler('command', body, false); // sent anew by the platform: runs again
    await waitFor('third result', () => published.length === 3);
    assert.equal(deletes, 2);
    outbox.stop();
    await writer.drain();
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
