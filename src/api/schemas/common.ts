/**
 * Schemas every route group shares: the error body, id parameters, paging. They are also the
 * OpenAPI document's components, so clients see one shape for each.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code (docs/codes.md)' }),
      message: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error, whatever the route' },
);

/** An id in a path: not a UUID gives 404 like an unknown id (nothing to tell apart). */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export type IdParams = Static<typeof IdParams>;

/** Keyset paging: `after` is the `next` cursor of the previous page. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  after: Type.Optional(Type.String({ maxLength: 200 })),
});
export type PageQuery = Static<typeof PageQuery>;

/** An empty 204 reply. */
export const NoContent = Type.Null({ description: 'Done; no body' });

/** The error responses most routes can give, for the OpenAPI document. */
export const ERRORS = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
} as const;
