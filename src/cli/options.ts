/** Option parsing shared by the subcommands. */
import { Option } from 'commander';
import { loadConfig, type Config } from '../core/config.js';
import { ShopfusionError } from '../core/errors.js';
import { EVENT_TYPES } from '../core/schema.js';

export interface GlobalOptions {
  config?: string;
  store?: string;
}

/** Flags → a partial config object; only the flags given take part. */
export function configFrom(global: GlobalOptions, flags: Record<string, unknown> = {}): Readonly<Config> {
  const partial: Record<string, unknown> = {};
  if (global.store !== undefined) partial.store = global.store;
  if (Object.keys(flags).length) Object.assign(partial, flags);
  return loadConfig({ file: global.config, env: process.env, flags: partial });
}

export function parseInteger(name: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ShopfusionError('invalid_argument', `${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}`);
    }
    return n;
  };
}

/** `1k`, `250k`, `1m`, `20000` → a count. */
export function parseCount(name: string, min: number, max: number) {
  return (text: string): number => {
    const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
    const n = m ? Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1)) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ShopfusionError('invalid_argument', `${name} must be a count from ${min} to ${max} (e.g. 20000, 250k, 1m); got ${JSON.stringify(text)}`);
    }
    return n;
  };
}

export function eventTypeOption(): Option {
  return new Option('--event-type <type>', 'event type for interactions of formats without one').choices([...EVENT_TYPES]);
}
