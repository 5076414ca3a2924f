/**
 * The one catalog of error codes. Every error a client or CLI user can see has a code here, an
 * HTTP status and a kind: `user` errors carry a message meant for the caller (what was expected,
 * what came, what is allowed); `internal` errors never show their message outside the process.
 */

export type ErrorKind = 'user' | 'auth' | 'internal';

interface ErrorSpec {
  status: number;
  kind: ErrorKind;
  /** One line for the README and the OpenAPI document. */
  summary: string;
}

export const ERROR_CATALOG = {
  invalid_json: { status: 400, kind: 'user', summary: 'The body is not valid JSON.' },
  invalid_encoding: { status: 400, kind: 'user', summary: 'The body is not valid UTF-8.' },
  validation_failed: {
    status: 400,
    kind: 'user',
    summary: 'A field has the wrong type or value, is missing, or is not allowed.',
  },
  batch_too_large: { status: 400, kind: 'user', summary: 'A batch has more rows than allowed.' },
  invalid_cursor: { status: 400, kind: 'user', summary: 'A pagination cursor was not issued by this server.' },
  invalid_url: { status: 400, kind: 'user', summary: 'The URL is malformed or a path segment is too long.' },
  missing_api_key: { status: 401, kind: 'auth', summary: 'The request carries no API key.' },
  invalid_api_key: { status: 401, kind: 'auth', summary: 'The API key is not one this server knows.' },
  forbidden: { status: 403, kind: 'auth', summary: 'The API key does not allow this operation.' },
  item_not_found: { status: 404, kind: 'user', summary: 'No item has this id.' },
  user_not_found: { status: 404, kind: 'user', summary: 'No user has this id.' },
  entity_not_found: { status: 404, kind: 'user', summary: 'No entity of the knowledge graph has this key.' },
  model_not_found: { status: 404, kind: 'user', summary: 'No trained version of this model is loaded.' },
  route_not_found: { status: 404, kind: 'user', summary: 'No route matches the method and path.' },
  placement_not_found: { status: 404, kind: 'user', summary: 'No recommendation placement of this name is configured.' },
  payload_too_large: { status: 413, kind: 'user', summary: 'The body is larger than the server accepts.' },
  unsupported_media_type: { status: 415, kind: 'user', summary: 'The body is not application/json.' },
  embedder_unavailable: {
    status: 502,
    kind: 'internal',
    summary: 'The embedding endpoint is unreachable, timed out, refused the request or returned unusable vectors.',
  },
  extractor_unavailable: {
    status: 502,
    kind: 'internal',
    summary: 'The attribute-extraction endpoint (an LLM) is unreachable, timed out or answered something unusable.',
  },
  not_configured: { status: 409, kind: 'user', summary: 'The feature is turned off in this server\'s configuration.' },
  not_ready: { status: 503, kind: 'internal', summary: 'The server is starting or shutting down.' },
  internal_error: { status: 500, kind: 'internal', summary: 'An unexpected failure inside the server.' },
  invalid_config: { status: 500, kind: 'user', summary: 'The configuration is not valid.' },
  invalid_argument: { status: 400, kind: 'user', summary: 'A command-line argument or option is not valid.' },
  import_failed: { status: 400, kind: 'user', summary: 'An import could not read its input.' },
  unsupported_store: { status: 500, kind: 'user', summary: 'The store URL names a backend this build lacks.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** One problem with one field: `path` is a JSON pointer into the request (`/items/3/price`). */
export interface FieldError {
  path: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class ShopfusionError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShopfusionError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.kind = ERROR_CATALOG[code].kind;
    this.details = options.details;
  }

  /** The body a client sees; internal errors hide their message. */
  toBody(): ErrorBody {
    if (this.kind === 'internal' && this.code === 'internal_error') {
      return { code: this.code, message: 'internal error' };
    }
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** `/items/3/price: must be >= 0; /items/4/id: is required` — the summary line of field errors. */
export function describeFieldErrors(errors: readonly FieldError[], max = 5): string {
  const shown = errors.slice(0, max).map((e) => `${e.path || '/'}: ${e.message}`);
  const more = errors.length > max ? `; and ${errors.length - max} more` : '';
  return shown.join('; ') + more;
}
