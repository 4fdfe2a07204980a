import { beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/store/api-keys.ts';
import { createNotification } from '../../src/store/notifications.ts';
import { describeEachBackend } from '../support/backends.ts';
import { useTestApi } from './api-support.ts';

interface NotificationJson {
  id: string;
  title: string;
  forEveryone: boolean;
  readAt: string | null;
}

describeEachBackend('API: notifications', (getDb) => {
  const { api, t, other } = useTestApi(getDb);
  let adminId: string;
  let memberId: string;

  beforeAll(async () => {
    const users = await getDb()
      .selectFrom('users')
      .select(['id', 'role'])
      .where('tenant_id', '=', t.id)
      .execute();
    adminId = users.find((u) => u.role === 'admin')!.id;
    memberId = users.find((u) => u.role === 'member')!.id;
    const note = (userId: string | null, title: string) =>
      createNotification(getDb(), t.id, {
        userId,
        kind: 'export.completed',
        level: 'success',
        title,
        body: null,
        target: { type: 'export', id: '00000000-0000-0000-0000-000000000001' },
      });
    await note(null, 'everyone 1');
    await note(adminId, 'admin only');
    await note(memberId, 'member only');
    await note(null, 'everyone 2');
  });

  const list = async (key: string, query = '') =>
    (await api.call(key, { method: 'GET', url: `/api/notifications${query}` })).json() as {
      notifications: NotificationJson[];
      next: string | null;
    };

  it('shows a user the tenant-wide notifications and their own, newest first, paged', async () => {
    const member = await list(t.memberKey);
    expect(member.notifications.map((n) => n.title).sort()).toEqual([
      'everyone 1',
      'everyone 2',
      'member only',
    ]);
    expect(member.notifications.find((n) => n.title === 'everyone 2')?.forEveryone).toBe(true);
    const admin = await list(t.adminKey);
    expect(admin.notifications.map((n) => n.title)).not.toContain('member only');
    // A key that belongs to no user sees only what is for everyone.
    const robot = await createApiKey(getDb(), t.id, { name: 'robot', role: 'member' });
    expect((await list(robot.key)).notifications.map((n) => n.title).sort()).toEqual([
      'everyone 1',
      'everyone 2',
    ]);
    const page1 = await list(t.memberKey, '?limit=2');
    expect(page1.notifications).toHaveLength(2);
    const page2 = await list(t.memberKey, `?limit=2&after=${page1.next}`);
    expect(page2.next).toBeNull();
    expect([...page1.notifications, ...page2.notifications].map((n) => n.id)).toEqual(
      member.notifications.map((n) => n.id),
    );
    expect((await list(other.adminKey)).notifications).toEqual([]);
  });

  it("marks one read, not someone else's; then all of the caller's", async () => {
    const member = await list(t.memberKey);
    const own = member.notifications.find((n) => n.title === 'member only')!;
    const res = await api.call(t.memberKey, {
      method: 'POST',
      url: `/api/notifications/${own.id}/read`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().readAt).not.toBeNull();
    expect((await list(t.memberKey, '?unread=true')).notifications.map((n) => n.id)).not.toContain(
      own.id,
    );
    // The admin cannot see (nor mark) the member's own notification.
    const adminOnly = (await list(t.adminKey)).notifications.find((n) => n.title === 'admin only')!;
    const cross = await api.call(t.memberKey, {
      method: 'POST',
      url: `/api/notifications/${adminOnly.id}/read`,
    });
    expect(cross.statusCode).toBe(404);
    expect((await list(t.adminKey, '?unread=true')).notifications.map((n) => n.id)).toContain(
      adminOnly.id,
    );

    const all = await api.call(t.memberKey, { method: 'POST', url: '/api/notifications/read-all' });
    expect(all.json()).toEqual({ marked: 2 });
    expect((await list(t.memberKey, '?unread=true')).notifications).toEqual([]);
    // The admin's own stays unread.
    expect((await list(t.adminKey, '?unread=true')).notifications.map((n) => n.title)).toEqual([
      'admin only',
    ]);
  });

  it("gives 404 for another tenant's notification and changes nothing; 401 without credentials", async () => {
    const adminOnly = (await list(t.adminKey)).notifications.find((n) => n.title === 'admin only')!;
    const foreign = await api.call(other.adminKey, {
      method: 'POST',
      url: `/api/notifications/${adminOnly.id}/read`,
    });
    expect(foreign.statusCode).toBe(404);
    const readAll = await api.call(other.adminKey, {
      method: 'POST',
      url: '/api/notifications/read-all',
    });
    expect(readAll.json()).toEqual({ marked: 0 });
    expect((await list(t.adminKey, '?unread=true')).notifications.map((n) => n.id)).toEqual([
      adminOnly.id,
    ]);
    expect(
      (await api.call(t.adminKey, { method: 'POST', url: '/api/notifications/xyz/read' }))
        .statusCode,
    ).toBe(404);
    for (const [method, url] of [
      ['GET', '/api/notifications'],
      ['POST', `/api/notifications/${adminOnly.id}/read`],
      ['POST', '/api/notifications/read-all'],
    ] as const) {
      expect((await api.call(null, { method, url })).statusCode).toBe(401);
    }
  });
});
