/**
 * API keys. With `server.apiKey` set, every route but health and docs needs a key: the write key
 * may do everything, the optional read key only reads. Without `server.apiKey` the API is open
 * (the embedded default on loopback); `serve` warns about it when it listens beyond loopback.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.js';
import { ShopfusionError } from '../core/errors.js';

function sameKey(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : undefined;
}

export function authHook(server: Readonly<Config['server']>) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (server.apiKey === undefined) return;
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === 'public') return;
    const key = presentedKey(request);
    if (key === undefined) {
      throw new ShopfusionError('missing_api_key', 'this route needs an API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    }
    if (sameKey(key, server.apiKey)) return;
    if (sameKey(key, server.readApiKey)) {
      if (access === 'read') return;
      throw new ShopfusionError('forbidden', `the read key may not call ${request.method} ${request.routeOptions.url}; use the write key`);
    }
    throw new ShopfusionError('invalid_api_key', 'the API key is not valid for this server');
  };
}
