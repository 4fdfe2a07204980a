/**
 * The HTTP API: one Fastify instance with the shared plugins (errors, security headers, cookies,
 * authentication, rate limits, OpenAPI) and every route under `/api`. Built from its
 * dependencies, so tests run it through `app.inject` on either database and `roster serve`
 * listens with it.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Kysely } from 'kysely';
import type { ObjectStore } from '../files/object-store.ts';
import type { Database } from '../store/schema.ts';
import { installAuthentication } from './plugins/authenticate.ts';
import { installErrorHandler } from './plugins/error-handler.ts';
import { installTenantScope } from './plugins/tenant-scope.ts';
import { registerRoutes } from './routes/index.ts';

/** What the routes hand to background jobs. */
export interface JobStarter {
  startImport(tenantId: string, importId: string): Promise<void>;
  startExport(tenantId: string, exportId: string): Promise<void>;
}

export interface AppSettings {
  /** Largest upload (bytes); a tenant's own limit can only be lower. */
  maxUploadBytes: number;
  exportTtlDays: number;
  /** Session cookies only over HTTPS. */
  secureCookies: boolean;
  trustProxy: boolean;
}

export interface AppDeps {
  db: Kysely<Database>;
  files: ObjectStore;
  jobs: JobStarter;
  settings: AppSettings;
  /** A pino logger, `false` for none (tests), or `true` for Fastify's default. */
  logger?: FastifyBaseLogger | boolean;
  /** For /readyz: can the server take work (database reachable, migrations done)? */
  isReady?: () => Promise<boolean>;
}

/** The Fastify instance with TypeBox schemas typing each route's request and reply. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * @example
 * const app = await buildApp({ db, files, jobs, settings });
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? false;
  const app = Fastify({
    ...(typeof logger === 'boolean' ? { logger } : { loggerInstance: logger }),
    trustProxy: deps.settings.trustProxy,
    // Request ids in every log line and in 5xx bodies; a proxy's X-Request-Id is kept.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 10 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandler(app);
  await app.register(helmet, {
    // The OpenAPI page loads its own scripts and styles from the server.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(multipart, {
    limits: { fileSize: deps.settings.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
  });
  app.addHook('onRoute', (route) => {
    // The documentation pages themselves need no sign-in.
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Roster API',
        version: '0.1.0',
        description:
          'Import and export contacts. Errors are {"error": {"code", "message", "details"}}.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (rk_...)' },
          session: { type: 'apiKey', in: 'cookie', name: 'roster_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  installAuthentication(app, deps.db);
  installTenantScope(app);
  await registerRoutes(app, deps);
  return app;
}
