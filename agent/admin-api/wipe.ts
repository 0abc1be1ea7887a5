// /SophonFogSys/api/WipeData (PROTOCOL §7): deletes every user (with faces), every group and
// membership (the empty default_group comes back) and every stored event. Permission groups and
// the API's settings (URLs, modes) are configuration and stay.
import type { Resource } from './context';
import { readParams } from './request';

export const wipeData: Resource = {
  async POST(req, ctx) {
    // a body is optional; when one is sent it must be JSON like every other request
    if (req.headers['content-length'] && req.headers['content-length'] !== '0') await readParams(req);
    else req.resume();
    const users = await ctx.users.wipe();
    const groups = await ctx.dir.wipeGroups();
    const events = await ctx.wipeEvents();
    ctx.log(`admin API: WipeData removed ${users} users, ${groups} groups, ${events} events`);
    return { message: `wiped ${users} users, ${groups} groups and ${events} events`, users, groups, events };
  },
};
