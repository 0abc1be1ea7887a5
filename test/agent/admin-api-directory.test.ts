// The box's local admin API (PROTOCOL §7), its directory: requests and their §8 errors,
// permissions, groups and GroupUsers, users (JSON and multipart/form-data bodies; enrolment
// through the FIQA gate; a user enrolled by POST users is recognised at once in a snapshot, whose
// event names the user's group and carries the registration photo, reg_pic), deletion with and
// without user_recursive_delete, and WipeData. One real `se3kit agent` logged in to a fake
// platform over the embedded broker (admin-api-fixture.ts). Reports and settings:
// admin-api-reports.test.ts; the door relay: admin-api-gate.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { face, health, waitFor } from './link-fixture';
import { API, call, fails, fx, photo64, query, rawRequest, snapshot, startAdminFixture, stopAdminFixture } from './admin-api-fixture';

before(startAdminFixture);
after(stopAdminFixture);

test('requests: content type, empty, malformed and oversized bodies, unknown resources and methods get §8 errors', async () => {
  await fails(call('POST', 'groups', '{"group_name":"x"}', { type: 'text/plain' }), 415, 41591);
  await fails(call('POST', 'groups', ' ', {}), 400, 40002);
  await fails(call('POST', 'groups', '{"group_name":', {}), 400, 40091, /not valid JSON/);
  await fails(call('POST', 'groups', '[1,2]'), 400, 40091, /JSON object/);
  await fails(call('POST', 'groups', { group_name: 'x', description: 'y'.repeat(70 * 1024) }), 413, 41300);
  // a body over the limit is refused by its declared length, before it is read
  const big = await rawRequest(`POST ${API}/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${15 * 1024 * 1024}\r\n\r\n{"identity_id":"big",`);
  assert.match(big, /^HTTP\/1\.1 413 /);
  assert.match(big, /"code":41300/);
  await fails(call('GET', 'nothing'), 404, 40400, /no such admin API resource/);
  const r = await fetch(`${fx.agent.url}${API}/GroupUsers`);
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'PUT, DELETE');
  await fails(call('PATCH', 'users'), 405, 40000);
  // the DNS-rebinding guard of port 5555 applies here too
  assert.match(await rawRequest(`GET ${API}/users HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 403 /);
});


test('permissions: POST, GET (list, by name, paging), PUT (description, rename), DELETE keeps or removes the users, with bad input', async () => {
  let r = await call('GET', 'permissions');
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.data.permissions_list.map((p: any) => [p.permission_id, p.name]),
    [['0', 'default']],
  );
  r = await call('POST', 'permissions', { permission_name: 'Staff', permission_id: 'staff-id', description: 'employees' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data, { permission_id: 'staff-id', name: 'Staff', permission_name: 'Staff', description: 'employees', info: {}, version: 'V2' });
  r = await call('POST', 'permissions', { permission_name: 'Visitors', info: { floor: 2 } });
  assert.match(r.body.data.permission_id, /^[0-9a-f-]{36}$/, 'a UUID when none is given');
  await fails(call('POST', 'permissions', { permission_name: 'Staff' }), 409, 40012, /already exists/);
  await fails(call('POST', 'permissions', { permission_name: 'Other', permission_id: 'staff-id' }), 409, 40091, /already used/);
  await fails(call('POST', 'permissions', { permission_name: 'a,b' }), 400, 40012, /commas/);
  await fails(call('POST', 'permissions', {}), 400, 40012, /permission_name/);
  await fails(call('POST', 'permissions', { permission_name: 'X', info: 'nope' }), 400, 40091, /info/);

  r = await call('GET', 'permissions', undefined, { query: 'skip_num=1&limit=2' });
  assert.deepEqual(r.body.data.pagination, { skip_num: 1, limit: 2, num_pages: 2, total_count: 3 });
  assert.deepEqual(
    r.body.data.permissions_list.map((p: any) => p.name),
    ['Visitors'],
  );
  r = await call('GET', 'permissions', undefined, { query: 'permission_name=Staff' });
  assert.equal(r.body.data.permissions_list[0].permission_id, 'staff-id');
  await fails(call('GET', 'permissions', undefined, { query: 'permission_name=Nobody' }), 404, 40491);
  await fails(call('GET', 'permissions', undefined, { query: 'limit=0' }), 400, 40091, /limit/);
  await fails(call('GET', 'permissions', undefined, { query: 'skip_num=x' }), 400, 40091, /skip_num/);

  r = await call('PUT', 'permissions', { permission_name: 'Visitors', description: 'guests' });
  assert.equal(r.body.data.info.description, 'guests');
  const vid = r.body.data.info.permission_id;
  r = await call('PUT', 'permissions', { permission_id: vid, permission_name: 'Guests' });
  assert.equal(r.body.data.info.name, 'Guests');
  await fails(call('PUT', 'permissions', { permission_id: vid, permission_name: 'Staff' }), 409, 40012);
  await fails(call('PUT', 'permissions', { permission_name: 'Nobody', description: '' }), 404, 40491);
  await fails(call('PUT', 'permissions', { description: 'x' }), 400, 40091, /permission_name/);

  await fails(call('DELETE', 'permissions', { permission_name: 'Guests', user_recursive_delete: 'maybe' }), 400, 40005);
  await fails(call('DELETE', 'permissions', { permission_name: 'Nobody' }), 404, 40491);
  r = await call('DELETE', 'permissions', undefined, { query: 'permission_name=Guests' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.permission_name, 'Guests');
  assert.equal((await call('GET', 'permissions')).body.data.pagination.total_count, 2);
});


test('groups and GroupUsers: POST, GET, PUT, DELETE, members added and removed, with bad input', async () => {
  let r = await call('POST', 'groups', { group_name: 'Lobby', description: 'front desk' });
  assert.deepEqual(r.body.data, { group_name: 'Lobby', name: 'Lobby', description: 'front desk', info: {} });
  await fails(call('POST', 'groups', { group_name: 'Lobby' }), 409, 40012);
  await fails(call('POST', 'groups', { group_name: '' }), 400, 40012);
  await fails(call('POST', 'groups', { group_name: 'x'.repeat(65) }), 400, 40012, /64/);
  r = await call('GET', 'groups');
  assert.deepEqual(
    r.body.data.groups_list.map((g: any) => [g.group_name, g.user_count]),
    [
      ['default_group', 0],
      ['Lobby', 0],
    ],
  );
  r = await call('PUT', 'groups', { group_name: 'Lobby', info: { building: 'A' } });
  assert.deepEqual(r.body.data.info.info, { building: 'A' });
  assert.equal(r.body.data.info.description, 'front desk', 'what is not sent stays');
  await fails(call('PUT', 'groups', { group_name: 'Nowhere' }), 404, 40491);
  await fails(call('GET', 'groups', undefined, { query: 'group_name=Nowhere' }), 404, 40491);
  // members must be enrolled users; nothing changes otherwise
  await fails(call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: ['ghost'] }), 404, 40491, /ghost/);
  await fails(call('PUT', 'GroupUsers', { group_name: 'Nowhere', identity_id: ['ghost'] }), 404, 40491);
  await fails(call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: [] }), 400, 40091, /identity_id/);
  await fails(call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: ['x'], with_identity_id: 3 }), 400, 40005);
});


let obamaEvent: any;


test('users: POST enrols through the FIQA gate and the gallery sees the user at once; the event names the group and carries reg_pic', async () => {
  const noFace = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  const base = { group_name: 'Lobby', info: { name: 'Obama', type: 1, permission_ids: ['staff-id'], badge: 'B-7' } };
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: '!!not base64!!' }), 400, 40003);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: Buffer.from('hello, not a picture').toString('base64') }), 400, 40003);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: noFace.toString('base64') }), 400, 40004);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: photo64('obama_partial_face.jpg') }), 400, 40006, /rejected at level high/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', group_name: 'Lobby,Nowhere', reg_photo: photo64('obama.jpg') }), 400, 40012, /Nowhere/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', info: { name: 'X', permission_ids: ['nope'] }, reg_photo: photo64('obama.jpg') }), 404, 40491, /nope/);
  await fails(call('POST', 'users', { ...base, identity_id: '', reg_photo: photo64('obama.jpg') }), 400, 40091, /identity_id/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1' }), 400, 40091, /reg_photo/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: photo64('obama.jpg'), ignore_exist: 'yes' }), 400, 40005);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: photo64('obama.jpg'), fiqa_level: 'best' }), 400, 40091, /fiqa_level/);
  assert.equal((await call('GET', 'users')).body.data.pagination.total_count, 0, 'nothing was stored by the refused requests');

  const r = await call('POST', 'users', { ...base, identity_id: 'p-obama', reg_photo: photo64('obama.jpg') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data, { identity_id: 'p-obama', group_name: ['Lobby'], register_type: 1, info: { badge: 'B-7', name: 'Obama', type: 1, permission_ids: ['staff-id'], user_id: 'p-obama' } });
  const [row] = await query<{ model_id: string; n: number }>('SELECT model_id, length(embedding) AS n FROM users WHERE identity_id = ?', ['p-obama']);
  assert.equal(row!.model_id, DESCRIPTOR.modelId);
  await fails(call('POST', 'users', { ...base, identity_id: 'p-obama', reg_photo: photo64('obama.jpg') }), 409, 40011);

  // recognised at once (no restart, no reload)
  const snap = await snapshot(face('obama2.jpg'));
  assert.equal(snap.events[0]!.identity_id, 'p-obama');
  const id = snap.events[0]!.event_id;
  obamaEvent = await waitFor('realtime at the platform', () => fx.platform.realtime.get('/records')?.find((e) => e.ext_data.event_id === id));
  assert.equal(obamaEvent.identity_name, 'Obama');
  assert.equal(obamaEvent.group_name, 'Lobby', "group_name is the user's group");
  const reg = Buffer.from(obamaEvent.reg_pic, 'base64');
  assert.ok(reg.length > 1000 && reg.length <= 64 * 1024, `reg_pic is a bounded picture (${reg.length} bytes)`);
  const meta = await sharp(reg).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.ok(Math.max(meta.width!, meta.height!) <= 480);
  // a stranger has no reg_pic
  const stranger = await snapshot(face('biden.jpg'));
  assert.equal(stranger.events[0]!.person_type, 4);

  // create_no_exit_permission makes the missing permission group
  const b = await call('POST', 'users', { identity_id: 'p-biden', reg_photo: photo64('biden2.jpg'), create_no_exit_permission: true, info: { name: 'Biden', type: 5, permission_ids: ['vip-id'] } });
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.deepEqual(b.body.data.group_name, ['default_group'], 'no group_name: the default group');
  assert.equal((await call('GET', 'permissions', undefined, { query: 'permission_name=vip-id' })).body.data.permissions_list[0].permission_id, 'vip-id');
});


test('users: GET one (with its photo) and lists by group with skip_num/limit; PUT changes details or the photo; DELETE', async () => {
  let r = await call('GET', 'users', undefined, { query: 'identity_id=p-obama' });
  assert.equal(r.status, 200);
  assert.ok(Buffer.from(r.body.data.reg_photo, 'base64').equals(face('obama.jpg')));
  assert.deepEqual(r.body.data.group_name, ['Lobby']);
  r = await call('GET', 'users', undefined, { query: 'group_name=Lobby&skip_num=0&limit=10' });
  assert.deepEqual(
    r.body.data.identities.map((u: any) => u.identity_id),
    ['p-obama'],
  );
  r = await call('GET', 'users', undefined, { query: 'skip_num=1&limit=1' });
  assert.deepEqual(r.body.data.pagination, { skip_num: 1, limit: 1, num_pages: 2, total_count: 2 });
  assert.deepEqual(
    r.body.data.identities.map((u: any) => u.identity_id),
    ['p-biden'],
  );
  await fails(call('GET', 'users', undefined, { query: 'group_name=Nowhere' }), 404, 40491);
  await fails(call('GET', 'users', undefined, { query: 'identity_id=ghost' }), 404, 40491);
  await fails(call('GET', 'users', undefined, { query: 'limit=5000' }), 400, 40091, /limit/);

  // GroupUsers on enrolled users
  r = await call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: ['p-biden'], with_identity_id: true });
  assert.deepEqual(r.body.data, { group_name: 'Lobby', identity_id: ['p-obama', 'p-biden'] });
  r = await call('DELETE', 'GroupUsers', { group_name: 'Lobby', identity_id: ['p-biden'], with_identity_id: true });
  assert.deepEqual(r.body.data.identity_id, ['p-obama']);

  r = await call('PUT', 'users', { identity_id: 'p-biden', info: { name: 'Joe' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.info.name, 'Joe');
  assert.deepEqual(r.body.data.info.permission_ids, ['vip-id'], 'permissions not sent stay');
  await fails(call('PUT', 'users', { identity_id: 'ghost', info: { name: 'x' } }), 404, 40491);
  await fails(call('PUT', 'users', { identity_id: 'p-biden', reg_photo: photo64('obama_partial_face.jpg') }), 400, 40006);
  assert.equal((await call('GET', 'users', undefined, { query: 'identity_id=p-biden' })).body.data.info.name, 'Joe', 'a refused photo changes nothing');
  await fails(call('PUT', 'users', { identity_id: 'p-biden', group_name: 'Nowhere' }), 400, 40012);

  await fails(call('DELETE', 'users', { identity_id: 'ghost' }), 404, 40491);
  await fails(call('DELETE', 'users', {}), 400, 40091, /identity_id/);
});


test('permission and group deletion: without user_recursive_delete the users stay, with it they go', async () => {
  // vip-id removed from Biden, who stays enrolled
  let r = await call('DELETE', 'permissions', { permission_id: 'vip-id' });
  assert.equal(r.body.data.users, 1);
  r = await call('GET', 'users', undefined, { query: 'identity_id=p-biden' });
  assert.deepEqual(r.body.data.info.permission_ids, []);
  // a group deleted with its users
  await call('POST', 'groups', { group_name: 'Temp' });
  await call('PUT', 'GroupUsers', { group_name: 'Temp', identity_id: ['p-biden'] });
  r = await call('DELETE', 'groups', { group_name: 'Temp', user_recursive_delete: true });
  assert.equal(r.body.data.users, 1);
  await fails(call('GET', 'users', undefined, { query: 'identity_id=p-biden' }), 404, 40491);
  assert.equal((await health(fx.agent)).users, 1);
  await fails(call('DELETE', 'groups', { group_name: 'Temp' }), 404, 40491);
});

test('users: POST and PUT take multipart/form-data — reg_photo as a file part or base64 field, info as JSON text — and bad parts get §8 errors', async () => {
  const form = (fields: Array<[string, string | Blob]>) => {
    const f = new FormData();
    for (const [k, v] of fields) f.append(k, v);
    return f;
  };
  const send = async (f: FormData, method = 'POST') => {
    const r = await fetch(`${fx.agent.url}${API}/users`, { method, body: f });
    return { status: r.status, body: (await r.json()) as any };
  };
  const jpeg = (b: Buffer, type = 'image/jpeg') => new Blob([new Uint8Array(b)], { type });
  const info = JSON.stringify({ name: 'Obama F', type: 1, permission_ids: ['staff-id'] });
  const users = async () => (await call('GET', 'users')).body.data.pagination.total_count;
  const count = await users();

  // bad parts first: nothing may be stored by them
  await fails(send(form([['identity_id', 'f-x'], ['info', '{"name":'], ['reg_photo', jpeg(face('obama.jpg'))]])), 400, 40091, /info must be a JSON object/);
  await fails(send(form([['identity_id', 'f-x'], ['reg_photo', jpeg(Buffer.from('hello'), 'text/plain')]])), 415, 40001, /reg_photo is declared as "text\/plain"/);
  await fails(send(form([['identity_id', 'f-x'], ['reg_photo', jpeg(Buffer.from('not a picture at all'))]])), 400, 40003);
  await fails(send(form([['identity_id', 'f-x'], ['reg_photo', jpeg(Buffer.alloc(10 * 1024 * 1024 + 1, 0xff))]])), 413, 40007, /at most 10485760/);
  await fails(send(form([['identity_id', 'f-x'], ['reg_photo', jpeg(face('obama.jpg'))], ['photo2', jpeg(face('obama.jpg'))]])), 400, 40091, /photo2/);
  await fails(send(form([['identity_id', 'f-x'], ['identity_id', 'f-y'], ['reg_photo', jpeg(face('obama.jpg'))]])), 400, 40091, /identity_id was sent more than once/);
  await fails(send(form([['identity_id', 'f-x']])), 400, 40091, /reg_photo/);
  await fails(call('POST', 'users', '--xyz\r\nContent-Disposition: form-data; name="identity_id"\r\n\r\nf-x', { type: 'multipart/form-data; boundary=xyz' }), 400, 40091, /not valid multipart/);
  await fails(call('POST', 'users', 'identity_id=f-x', { type: 'multipart/form-data' }), 415, 41591, /boundary/);
  await fails(call('POST', 'users', 'identity_id=f-x', { type: 'application/x-www-form-urlencoded' }), 415, 41591, /application\/json or multipart\/form-data/);
  const big = await rawRequest(`POST ${API}/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${15 * 1024 * 1024}\r\n\r\n--b\r\n`);
  assert.match(big, /^HTTP\/1\.1 413 /);
  assert.match(big, /"code":41300/);
  assert.equal(await users(), count, 'nothing stored by the refused forms');

  // a file part
  let r = await send(form([['identity_id', 'f-obama'], ['group_name', 'Lobby'], ['info', info], ['reg_photo', jpeg(face('obama.jpg'))]]));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data, { identity_id: 'f-obama', group_name: ['Lobby'], register_type: 1, info: { name: 'Obama F', type: 1, permission_ids: ['staff-id'], user_id: 'f-obama' } });
  assert.ok(Buffer.from((await call('GET', 'users', undefined, { query: 'identity_id=f-obama' })).body.data.reg_photo, 'base64').equals(face('obama.jpg')), 'the file part is the stored photo, byte for byte');
  // a base64 field, group_name repeated, register_type and booleans as text
  await call('POST', 'groups', { group_name: 'Annex' });
  r = await send(
    form([
      ['identity_id', 'f-biden'],
      ['group_name', 'Lobby'],
      ['group_name', 'Annex'],
      ['register_type', '2'],
      ['create_no_exit_permission', 'true'],
      ['info', JSON.stringify({ name: 'Biden F', type: 1, permission_ids: ['form-id'] })],
      ['reg_photo', photo64('biden2.jpg')],
    ]),
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data.group_name, ['Lobby', 'Annex']);
  assert.equal(r.body.data.register_type, 2);
  await fails(send(form([['identity_id', 'f-biden'], ['reg_photo', photo64('biden2.jpg')], ['ignore_exist', 'nope']])), 400, 40005);
  // PUT as a form: details only, then a new photo that fails the gate changes nothing
  r = await send(form([['identity_id', 'f-biden'], ['info', '{"name":"Joe F"}']]), 'PUT');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.info.name, 'Joe F');
  assert.deepEqual(r.body.data.info.permission_ids, ['form-id'], 'permissions not sent stay');
  await fails(send(form([['identity_id', 'f-biden'], ['register_type', '1'], ['reg_photo', jpeg(face('obama_partial_face.jpg'))]]), 'PUT'), 400, 40006);
  // the form-enrolled user is recognised
  const snap = await snapshot(face('obama2.jpg'));
  assert.ok(['p-obama', 'f-obama'].includes(snap.events[0]!.identity_id), snap.events[0]!.identity_id);

  r = await call('DELETE', 'users', { identity_id: ['f-obama', 'f-biden'] });
  assert.equal(r.status, 200);
  await call('DELETE', 'groups', { group_name: 'Annex' });
  await call('DELETE', 'permissions', { permission_id: 'form-id' });
  assert.equal(await users(), count);
});

test('WipeData removes users, groups and events; permissions and settings stay; the agent goes on', async () => {
  assert.equal((await call('POST', 'GateControllerMode', { controller_mode: 'avoid' })).status, 200);
  const r = await call('POST', 'WipeData');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.users, 1);
  assert.ok(r.body.data.events >= 2);
  assert.equal((await call('GET', 'users')).body.data.pagination.total_count, 0);
  assert.deepEqual(
    (await call('GET', 'groups')).body.data.groups_list.map((g: any) => g.group_name),
    ['default_group'],
  );
  assert.equal((await query('SELECT * FROM events')).length, 0);
  assert.equal((await query('SELECT * FROM admin_group_users')).length, 0);
  assert.equal((await call('GET', 'permissions')).body.data.pagination.total_count, 2);
  assert.deepEqual((await call('GET', 'GateControllerMode')).body.data, { controller_mode: 'avoid' });
  const snap = await snapshot(face('obama2.jpg'));
  assert.equal(snap.events[0]!.person_type, 4, 'the wiped user is no longer recognised');
  await fails(call('POST', 'WipeData', 'x', { type: 'text/plain' }), 415, 41591);
});
