/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can take work) for
 * load balancers and orchestrators.
 */
import { sql } from 'kysely';
import type { App, AppDeps } from '../app.ts';

export function registerHealthRoutes(app: App, deps: AppDeps): void {
  // Until the web app is served here, the root leads to the API's documentation.
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/api/docs'),
  );
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.db);
        if (deps.isReady && !(await deps.isReady())) {
          return reply.code(503).send({ status: 'starting' });
        }
        return { status: 'ready' };
      } catch {
        return reply.code(503).send({ status: 'database unreachable' });
      }
    },
  );
}
