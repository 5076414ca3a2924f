/**
 * Validation with Ajv against the TypeBox schemas, and error messages a person can act on: each
 * names the field (a JSON pointer), what was expected and what is allowed.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import type { TSchema } from '@sinclair/typebox';
import type { FieldError } from './errors.js';

// ajv-formats is CommonJS whose typings declare an ES default export; require() sees it as it is.
const addFormats = createRequire(import.meta.url)('ajv-formats') as (ajv: Ajv, formats: string[]) => Ajv;

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    // NaN and Infinity are not JSON numbers; a store cannot hold them faithfully.
    strictNumbers: true,
    coerceTypes: coerceTypes ? 'array' : false,
    useDefaults: coerceTypes,
    removeAdditional: false,
  });
  addFormats(ajv, ['date-time', 'date', 'uri']);
  // RFC 3339 allows a leap second (23:59:60) that Date.parse refuses; every accepted time must parse.
  const rfc3339 = ajv.formats['date-time'] as { validate: (s: string) => boolean };
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => rfc3339.validate(s) && !Number.isNaN(Date.parse(s)) });
  return ajv;
}

/** Bodies are validated exactly: "12" is not a price. */
export const strictAjv = createAjv(false);
/** Query strings and path parameters arrive as text and are coerced to their declared types. */
export const coercingAjv = createAjv(true);

export type RowCheck<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** A compiled validator for one schema; `check(value, '/items/3')` prefixes every path. */
export function compileChecker<T>(schema: TSchema): (value: unknown, prefix?: string) => RowCheck<T> {
  const validate = strictAjv.compile(schema) as ValidateFunction<T>;
  return (value, prefix = '') => {
    if (validate(value)) return { ok: true, value };
    return { ok: false, errors: formatAjvErrors(validate.errors ?? [], prefix) };
  };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** What a schema expects, in words: its `x-expected`, else nothing. */
function expectedOf(schema: unknown): string | undefined {
  const words = (schema as { 'x-expected'?: unknown } | undefined)?.['x-expected'];
  return typeof words === 'string' ? words : undefined;
}

function messageFor(error: ErrorObject): { path: string; message: string } {
  const path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${path}/${String(params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties': {
      const props = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const allowed = props ? `; allowed fields: ${Object.keys(props).join(', ')}` : '';
      return { path: `${path}/${String(params.additionalProperty)}`, message: `is not a known field${allowed}` };
    }
    case 'type':
      if (typeof error.data === 'number' && !Number.isFinite(error.data)) {
        return { path, message: `must be a finite ${String(params.type)}, got ${String(error.data)}` };
      }
      return { path, message: `must be ${String(params.type)}, got ${describeValue(error.data)}` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}; got ${describeValue(error.data)}`,
      };
    case 'pattern':
    case 'format': {
      const expected =
        expectedOf(error.parentSchema) ??
        (error.keyword === 'format' ? `a valid ${String(params.format)}` : `a string matching ${String(params.pattern)}`);
      return { path, message: `must be ${expected}; got ${describeValue(error.data)}` };
    }
    case 'propertyNames':
      return { path: `${path}/${String(params.propertyName)}`, message: 'is not an allowed name' };
    case 'maxLength':
      return { path, message: `must be at most ${String(params.limit)} characters, got ${(error.data as string).length}` };
    default:
      return { path, message: error.message ?? 'is not valid' };
  }
}

/** `{ if: { properties: { type: { const: 'rating' } } } }` → `type is "rating"`. */
function describeCondition(schema: unknown): string | undefined {
  const props = (schema as { if?: { properties?: Record<string, { const?: unknown }> } } | undefined)?.if?.properties;
  if (!props) return undefined;
  const parts = Object.entries(props)
    .filter(([, s]) => s.const !== undefined)
    .map(([k, s]) => `${k} is ${JSON.stringify(s.const)}`);
  return parts.length ? parts.join(' and ') : undefined;
}

/**
 * Ajv reports every failed branch of an `anyOf`; a person wants one line per field. Errors under an
 * `anyOf` are folded into it, described by the schema's description or by the required branches.
 */
export function formatAjvErrors(errors: readonly ErrorObject[], prefix = ''): FieldError[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  // `if`/`then` failures: name the condition on the field the `then` requires.
  const conditions = errors
    .filter((e) => e.keyword === 'if')
    .map((e) => ({ thenPath: e.schemaPath.replace(/\/if$/, '/then'), condition: describeCondition(e.parentSchema) }));
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if' || error.schemaPath.includes('/propertyNames/')) continue;
    const parent = anyOfs.find(
      (a) => a !== error && error.schemaPath.startsWith(`${a.schemaPath}/`) && error.instancePath.startsWith(a.instancePath),
    );
    if (parent) continue;
    let entry: { path: string; message: string };
    if (error.keyword === 'anyOf') {
      const branches = (error.schema as Array<Record<string, unknown>> | undefined) ?? [];
      const requiredOnly = branches.every((b) => Array.isArray(b.required) && Object.keys(b).length === 1);
      if (requiredOnly && branches.length > 0) {
        const names = branches.map((b) => (b.required as string[]).join(' and '));
        entry = { path: error.instancePath, message: `needs ${names.join(' or ')}` };
      } else {
        const expected = expectedOf(error.parentSchema);
        entry = {
          path: error.instancePath,
          message: `${expected ? `must be ${expected}` : 'does not match any allowed form'}; got ${describeValue(error.data)}`,
        };
      }
    } else {
      entry = messageFor(error);
      const condition = conditions.find((c) => error.schemaPath.startsWith(`${c.thenPath}/`))?.condition;
      if (condition && error.keyword === 'required') entry.message = `is required when ${condition}`;
    }
    const key = `${entry.path}\u0000${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: prefix + entry.path, message: entry.message });
  }
  return out;
}
