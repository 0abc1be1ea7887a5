// One call of a running server's admin endpoint, as `se3kit platform` makes it: the URL and
// token from its data folder (platform-admin.url, admin-token), the result of an HTTP 200.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from './harness';

export async function adminCall(dataDir: string, method: string, params: unknown): Promise<any> {
  const url = readFileSync(join(dataDir, 'platform-admin.url'), 'utf8').trim();
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const r = await http(`${url}/call/${method}`, { method: 'POST', body: JSON.stringify(params), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  assert.equal(r.status, 200, `${method}: ${r.body.toString()}`);
  return r.json().result;
}
