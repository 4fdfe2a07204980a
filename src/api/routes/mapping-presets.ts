/**
 * Remembered column mappings (one per header fingerprint): list them and forget one.
 */
import { Type } from '@fastify/type-provider-typebox';
import { recordAudit } from '../../store/audit.ts';
import { deletePreset, listPresets } from '../../store/mapping-presets.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf } from '../principal.ts';
import { ERRORS, NoContent } from '../schemas/common.ts';
import { notFound, Nullable } from '../schemas/objects.ts';

const PresetBody = Type.Object({
  fingerprint: Type.String(),
  header: Type.Array(Type.String()),
  mapping: Type.Record(Type.String(), Nullable(Type.String())),
  transforms: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export function registerMappingPresetRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.get(
    '/mapping-presets',
    {
      schema: {
        tags: ['mapping presets'],
        summary: 'Remembered mappings, most recently saved first',
        response: { 200: Type.Object({ presets: Type.Array(PresetBody) }), ...ERRORS },
      },
    },
    async (request) => {
      const presets = await listPresets(db, principalOf(request).tenantId);
      return {
        presets: presets.map((p) => ({
          ...p,
          createdAt: p.createdAt.toISOString(),
          updatedAt: p.updatedAt.toISOString(),
        })),
      };
    },
  );

  app.delete(
    '/mapping-presets/:fingerprint',
    {
      schema: {
        tags: ['mapping presets'],
        summary: 'Forget a remembered mapping',
        params: Type.Object({ fingerprint: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 204: NoContent, ...ERRORS },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { fingerprint } = request.params;
      if (!(await deletePreset(db, p.tenantId, fingerprint))) {
        throw notFound('preset', fingerprint);
      }
      await recordAudit(db, p.tenantId, {
        actor: actorOf(p),
        action: 'mapping_preset.delete',
        target: { type: 'mapping_preset', id: fingerprint },
      });
      return reply.code(204).send(null);
    },
  );
}
