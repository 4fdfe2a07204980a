/**
 * Every route group of the API. Each file registers the routes of one kind of object.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, AppDeps } from '../app.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerContactRoutes } from './contacts.ts';
import { registerContactsImportRoutes } from './contacts-import.ts';
import { registerCustomFieldRoutes } from './custom-fields.ts';
import { registerSegmentRoutes } from './segments.ts';
import { registerMappingPresetRoutes } from './mapping-presets.ts';
import { registerNotificationRoutes } from './notifications.ts';
import { registerExportRoutes } from './exports.ts';
import { registerFileRoutes } from './files.ts';
import { registerHealthRoutes } from './health.ts';
import { registerImportProgressRoutes } from './import-progress.ts';
import { registerImportRoutes } from './imports.ts';
import { registerUploadRoutes } from './uploads.ts';

/**
 * @example
 * await registerRoutes(app, deps);
 */
export async function registerRoutes(app: App, deps: AppDeps): Promise<void> {
  registerHealthRoutes(app, deps);
  await app.register(
    async (scope) => {
      const api = scope.withTypeProvider<TypeBoxTypeProvider>();
      registerAuthRoutes(api, deps);
      registerExportRoutes(api, deps);
      registerFileRoutes(api, deps);
      registerContactRoutes(api, deps);
      registerContactsImportRoutes(api, deps);
      registerCustomFieldRoutes(api, deps);
      registerSegmentRoutes(api, deps);
      registerMappingPresetRoutes(api, deps);
      registerNotificationRoutes(api, deps);
      registerUploadRoutes(api, deps);
      registerImportRoutes(api, deps);
      registerImportProgressRoutes(api, deps);
    },
    { prefix: '/api' },
  );
}
