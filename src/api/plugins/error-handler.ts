/**
 * One error shape for every response: `{"error": {"code", "message", "details"}}`. Errors of the
 * caller (4xx) say exactly what is wrong; server errors (5xx) say only that something failed and
 * the request id to look for in the log, where the whole error is written.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRosterError, type ErrorCode } from '../../core/errors.ts';
import { httpStatusOf } from '../http-status.ts';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

/**
 * @example
 * installErrorHandler(app);
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(body('NOT_FOUND', `No route ${request.method} ${request.url}`)),
  );
}

function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isRosterError(err)) {
    const status = httpStatusOf(err.code);
    if (status >= 500) return internal(err, request, reply, status);
    return reply.code(status).send(body(err.code, err.message, err.details));
  }
  const fastifyError = err as Partial<FastifyError> & { validation?: unknown[] };
  if (Array.isArray(fastifyError.validation)) {
    const issues = fastifyError.validation.map((v) => {
      const issue = v as { instancePath?: string; message?: string; params?: unknown };
      return { path: issue.instancePath ?? '', message: issue.message ?? 'invalid' };
    });
    return reply
      .code(400)
      .send(
        body(
          'REQUEST_INVALID',
          `Invalid request ${fastifyError.validationContext ?? ''}: ${issues
            .map((i) => `${i.path || '(root)'} ${i.message}`)
            .join('; ')}`.replace('  ', ' '),
          { in: fastifyError.validationContext, issues },
        ),
      );
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status === 413 || fastifyError.code === 'FST_REQ_FILE_TOO_LARGE') {
    return reply.code(413).send(body('FILE_TOO_LARGE', 'The request body is over the size limit'));
  }
  if (status === 429) {
    return reply.code(429).send(body('RATE_LIMITED', fastifyError.message ?? 'Too many requests'));
  }
  if (status >= 400 && status < 500) {
    return reply.code(status).send(
      body('REQUEST_INVALID', fastifyError.message ?? 'Invalid request', {
        ...(fastifyError.code ? { reason: fastifyError.code } : {}),
      }),
    );
  }
  return internal(err, request, reply, status >= 500 ? status : 500);
}

function internal(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
): FastifyReply {
  request.log.error({ err }, 'request failed');
  const code: ErrorCode = status === 503 ? 'DB_CONNECT_FAILED' : 'INTERNAL';
  return reply.code(status).send(
    body(code, `The server could not complete the request (request id ${request.id})`, {
      requestId: request.id,
    }),
  );
}

/**
 * @example
 * reply.code(404).send(body('NOT_FOUND', 'No import abc'));
 */
export function body(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): ErrorBody {
  return { error: { code, message, details } };
}
