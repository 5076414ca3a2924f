/** Liveness and readiness, open to load balancers without a key. */
import type { FastifyInstance } from 'fastify';
import { ShopfusionError } from '../../core/errors.js';
import type { RouteContext } from '../context.js';
import { NoQuery } from './common.js';

export function healthRoutes({ store }: RouteContext) {
  return async (app: FastifyInstance) => {
    app.get(
      '/healthz',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers.',
          querystring: NoQuery,
          response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
        },
      },
      async () => ({ status: 'ok' }),
    );
    app.get(
      '/readyz',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Readiness: the store answers a read and its writer a round trip.',
          querystring: NoQuery,
          response: { 200: { type: 'object', properties: { status: { type: 'string' }, store: { type: 'string' } } } },
        },
      },
      async () => {
        try {
          await store.ping();
        } catch (cause) {
          throw new ShopfusionError('not_ready', 'the store does not answer', { cause });
        }
        return { status: 'ready', store: store.backend };
      },
    );
  };
}
