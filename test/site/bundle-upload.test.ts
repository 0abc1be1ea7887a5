// deploy.uploadBundle's server side (electron/deploy/bundle-upload.ts), through the API the
// page calls: pieces in order only, names checked, a damaged file refused and removed, the
// unfinished upload never listed; nothing left behind. (A real release added from the page:
// test/e2e/deploy.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiHandlers } from '../../electron/api/dispatch';
import { assembleServices } from '../../electron/api/services';

test('bundle upload: pieces in order, names checked, damaged files refused, nothing half-written listed or left', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'se3-bundle-upload-'));
  const services = assembleServices({ dataDir });
  const api = createApiHandlers(services);
  const call = (p: Record<string, unknown>) => api.call('deploy.uploadBundle', p) as Promise<{ uploadId: string; received: number }>;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const fileName = 'se3-agent-2.0.0-linux-arm64.tar.gz';
  try {
    await assert.rejects(call({ fileName: 'notes.txt', offset: 0, data: b64('x'), done: true }), /not named like an agent bundle/);
    await assert.rejects(call({ fileName: '../se3-agent-2.0.0-linux-arm64.tar.gz', offset: 0, data: b64('x'), done: true }), /not named like an agent bundle/);
    await assert.rejects(call({ fileName, offset: 5, data: b64('x'), done: false }), /a new upload starts at offset 0/);
    await assert.rejects(call({ fileName, uploadId: '0123456789abcdef', offset: 0, data: b64('x'), done: false }), /this upload is not known/);

    const first = await call({ fileName, offset: 0, data: b64('first piece '), done: false });
    assert.equal(first.received, 12);
    assert.deepEqual((await api.call('deploy.bundles', {}) as Array<{ fileName: string }>).filter((b) => b.fileName === fileName), [], 'an unfinished upload is not offered');
    await assert.rejects(call({ fileName, uploadId: first.uploadId, offset: 3, data: b64('x'), done: false }), /upload out of step: 12 bytes received, the chunk starts at 3/);
    await assert.rejects(call({ fileName: 'se3-agent-2.0.1-linux-arm64.tar.gz', uploadId: first.uploadId, offset: 12, data: b64('x'), done: false }), /file name changed/);
    // the last piece: not a bundle, refused, and its partial file removed
    await assert.rejects(call({ fileName, uploadId: first.uploadId, offset: 12, data: b64('and the rest'), done: true }), new RegExp(`${fileName.replace(/\./g, '\\.')} is not an agent bundle \\(.*\\); nothing was added`));
    assert.deepEqual(readdirSync(join(dataDir, 'bundles')), [], 'nothing listed, nothing left behind');
    // a piece over the limit is refused at the edge
    await assert.rejects(api.call('deploy.uploadBundle', { fileName, offset: 0, data: 'A'.repeat(12 * 1024 * 1024), done: false }), /at most 8 MiB/);
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
