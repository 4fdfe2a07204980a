/**
 * Downloads through the local folder store's signed links (`/api/files/<token>`). The token is
 * the credential: the route is public, checks the signature and expiry, and streams the object.
 * On S3 the links point at the bucket itself and this route finds nothing.
 */
import { Readable } from 'node:stream';
import { Type } from '@fastify/type-provider-typebox';
import { LocalFolderStore } from '../../files/local-folder-store.ts';
import { contentDisposition } from '../../files/signed-link.ts';
import { RosterError } from '../../core/errors.ts';
import type { App, AppDeps } from '../app.ts';
import { ErrorResponse } from '../schemas/common.ts';

export function registerFileRoutes(app: App, deps: AppDeps): void {
  const { files } = deps;

  // A wildcard, not `:token`: Fastify refuses path parameters over 100 characters (414), and a
  // token (key, name, type, expiry and signature) is longer; the wildcard has no such bound.
  app.get(
    '/files/*',
    {
      config: { public: true },
      schema: {
        tags: ['exports'],
        summary: 'A file behind a signed download link (local storage)',
        security: [],
        params: Type.Object({ '*': Type.String({ minLength: 1, maxLength: 8192 }) }),
        response: {
          // Streamed as is: Fastify does not serialize a stream.
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }),
          404: ErrorResponse,
          410: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      if (!(files instanceof LocalFolderStore)) {
        throw new RosterError('NOT_FOUND', 'Downloads are served by the object store');
      }
      // LINK_INVALID (tampered, another secret) → 404; LINK_EXPIRED → 410.
      const link = files.verifyLink(request.params['*']);
      const source = await files.source(link.key, link.fileName);
      return reply
        .header('content-type', link.contentType ?? 'application/octet-stream')
        .header('content-disposition', contentDisposition(link.fileName))
        .header('content-length', String(source.size))
        .header('cache-control', 'private, no-store')
        .send(Readable.from(source.stream()));
    },
  );
}
