/**
 * Runs each signed-in request's handler inside its tenant's row-level security scope
 * (store/tenant-scope.ts): whatever the handler's queries say, the database shows and accepts
 * only that tenant's rows.
 *
 * A preHandler hook, the last step before the handler: AsyncLocalStorage context entered in an
 * earlier hook can be lost across body parsing. Public routes (sign-in, health, signed download
 * links) run unscoped; the file routes reach no tenant table.
 */
import type { FastifyInstance } from 'fastify';
import { runInTenantScope } from '../../store/tenant-scope.ts';

/**
 * @example
 * installAuthentication(app, db);
 * installTenantScope(app);
 */
export function installTenantScope(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    const tenantId = request.principal?.tenantId;
    if (tenantId === undefined) done();
    else runInTenantScope(tenantId, done);
  });
}
