// The extension ⇄ server WebSocket protocol (docs/architecture.md), typed once: a map from message type to
// its schema for each direction. Both ends validate what they receive with parseClientMessage /
// parseServerMessage; the TypeScript types are inferred from the schemas.
import { z } from 'zod';
import type { ChatWrap } from './chatWrap';
import type { ErrorCode } from './errorCodes';
import { HydrapatchError, errorDataFromWire, type ErrorData } from './errors';
import { wireLimits } from './limits';
import {
  jobTotalsSchema,
  partialSampleParamsSchema,
  promptTreeSchema,
  sampleProgressSchema,
  sampleResultSchema,
  validationCodes,
} from './samplingSchemas';

const id = z.string().min(1).max(wireLimits.maxIdLength);

export const loadOptionsSchema = z.object({
  /** Bytes of KV cache the engine may hold for this model (all jobs together). */
  kvBudgetBytes: z.number().int().positive().optional(),
  attention: z.enum(['auto', 'hydragen', 'baseline']).optional(),
});

export const chatWrapSchema = z.object({
  beforeSystem: z.string(),
  betweenSystemAndUser: z.string(),
  afterUser: z.string(),
}) satisfies z.ZodType<ChatWrap>;

export const modelInfoSchema = z.object({
  path: z.string(),
  name: z.string(),
  arch: z.string(),
  contextLength: z.number().int().min(0),
  vocabSize: z.number().int().min(0),
  /** The model's chat template cut around the system and user messages; absent: no template (plain text). */
  chatWrap: chatWrapSchema.optional(),
});

/** Any code is accepted and mapped into this version's catalogue, so an older or newer server's errors still arrive. */
export const errorDataSchema = z
  .object({ code: z.string(), message: z.string(), hint: z.string().optional() })
  .transform(errorDataFromWire) satisfies z.ZodType<ErrorData>;

export const serverStatsSchema = z.object({
  connections: z.number().int().min(0),
  jobsRunning: z.number().int().min(0),
  /** Jobs this connection has running. */
  ownJobs: z.number().int().min(0),
  /** KV bytes the engines hold for running jobs, all models together. */
  kvBytesInUse: z.number().min(0),
  memory: z.object({ rss: z.number(), heapUsed: z.number(), external: z.number(), arrayBuffers: z.number() }),
  models: z.array(modelInfoSchema),
  /** What the engines report about themselves, as they report it. */
  engines: z.array(z.record(z.string(), z.unknown())),
});

export const clientMessageSchemas = {
  hello: z.object({ type: z.literal('hello'), client: z.string().max(256).optional(), protocol: z.number().int().optional() }),
  load: z.object({ type: z.literal('load'), id, model: z.string().min(1).max(4096), options: loadOptionsSchema.optional() }),
  sample: z.object({
    type: z.literal('sample'),
    id,
    tree: promptTreeSchema,
    params: partialSampleParamsSchema.optional(),
    /** Which loaded model; defaults to the one this connection loaded last, else the server's. */
    model: z.string().min(1).max(4096).optional(),
  }),
  cancel: z.object({ type: z.literal('cancel'), id }),
  /** `gc` asks the server to collect garbage first when it can (for memory checks). */
  stats: z.object({ type: z.literal('stats'), id: id.optional(), gc: z.boolean().optional() }),
} as const;

export const serverMessageSchemas = {
  /** Answer to hello (no id) and to load (the load's id). */
  ready: z.object({ type: z.literal('ready'), id: id.optional(), protocol: z.number().int(), model: modelInfoSchema.nullable() }),
  progress: z.object({ type: z.literal('progress'), id, progress: sampleProgressSchema }),
  sample: z.object({ type: z.literal('sample'), id, sample: sampleResultSchema }),
  done: z.object({
    type: z.literal('done'),
    id,
    cancelled: z.boolean(),
    totals: jobTotalsSchema,
    /** Wall-clock, from the server receiving the sample message: to its first sample (null: none) and to done. */
    timings: z.object({ firstSampleMs: z.number().min(0).nullable(), totalMs: z.number().min(0) }),
  }),
  error: z.object({ type: z.literal('error'), id: id.optional(), error: errorDataSchema }),
  stats: z.object({ type: z.literal('stats'), id: id.optional(), stats: serverStatsSchema }),
} as const;

type SchemaMap = Record<string, z.ZodType<{ type: string }>>;
type MessageOf<M extends SchemaMap> = { [K in keyof M]: z.infer<M[K]> }[keyof M];

export type ClientMessageType = keyof typeof clientMessageSchemas;
export type ServerMessageType = keyof typeof serverMessageSchemas;
export type ClientMessage = MessageOf<typeof clientMessageSchemas>;
export type ServerMessage = MessageOf<typeof serverMessageSchemas>;
export type ClientMessageOf<T extends ClientMessageType> = z.infer<(typeof clientMessageSchemas)[T]>;
export type ServerMessageOf<T extends ServerMessageType> = z.infer<(typeof serverMessageSchemas)[T]>;
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type ServerStats = z.infer<typeof serverStatsSchema>;
export type LoadOptions = z.infer<typeof loadOptionsSchema>;

/** Sampling fields, in the WebSocket protocol (under `params`) and at the top of an OpenAI request. */
const paramFields = new Set(['params', 'temperature', 'top_p', 'top_k', 'min_p', 'max_tokens', 'max_completion_tokens', 'stop', 'seed']);

/** The code of the first issue: the one a validator attached, else by where in the message it is. */
function codeOf(issue: z.core.$ZodIssue): ErrorCode {
  const attached = issue.code === 'custom' ? (issue.params as { code?: ErrorCode } | undefined)?.code : undefined;
  if (attached) return attached;
  if (issue.path.at(-1) === 'n') return validationCodes.n;
  if (paramFields.has(String(issue.path[0]))) return validationCodes.params;
  if (issue.path[0] === 'tree') return validationCodes.tree;
  return 'invalid_message';
}

function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : 'message';
  return `${where}: ${issue.message}`;
}

/** A schema failure as one HydrapatchError: the first issue decides the code, all are listed. */
export function validationError(error: z.ZodError, what: string): HydrapatchError {
  const issues = error.issues;
  const listed = issues.slice(0, 5).map(describe).join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return new HydrapatchError(codeOf(issues[0]!), `invalid ${what}: ${listed}${more}`, 'Fix the fields named and send it again (see src/protocol/messages.ts for the schema).');
}

/** A received message: valid, or the error to answer with and the id to answer it under (when it had one). */
export type Parsed<T> = { ok: true; message: T } | { ok: false; error: HydrapatchError; id?: string };

function idOf(value: object): string | undefined {
  const v = (value as { id?: unknown }).id;
  return typeof v === 'string' && v.length > 0 && v.length <= wireLimits.maxIdLength ? v : undefined;
}

function parseWith<M extends SchemaMap>(schemas: M, raw: string, side: string): Parsed<MessageOf<M>> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: new HydrapatchError('bad_json', `the ${side} message is not valid JSON: ${(err as Error).message}`, 'Send one JSON object per WebSocket message.') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
    return { ok: false, error: new HydrapatchError('invalid_message', `the ${side} message must be a JSON object with a string "type"`, `Known types: ${Object.keys(schemas).join(', ')}.`) };
  }
  const type = (value as { type: string }).type;
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) {
    return { ok: false, id: idOf(value), error: new HydrapatchError('unknown_message', `unknown ${side} message type "${type.slice(0, 64)}"`, `Known types: ${Object.keys(schemas).join(', ')}.`) };
  }
  // A hostile message can nest deep enough to exhaust the stack in the recursive tree schema.
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    parsed = schema.safeParse(value);
  } catch (err) {
    return { ok: false, id: idOf(value), error: new HydrapatchError('invalid_message', `the "${type}" message could not be validated: ${(err as Error).message}`, 'Send a smaller or less deeply nested message.') };
  }
  if (!parsed.success) return { ok: false, id: idOf(value), error: validationError(parsed.error, `"${type}" message`) };
  return { ok: true, message: parsed.data as MessageOf<M> };
}

/** Validate one client → server message (errors: bad_json, invalid_message, unknown_message, invalid_*). */
export function parseClientMessage(raw: string): Parsed<ClientMessage> {
  return parseWith(clientMessageSchemas, raw, 'client');
}

/** Validate one server → client message, with the same errors as parseClientMessage. */
export function parseServerMessage(raw: string): Parsed<ServerMessage> {
  return parseWith(serverMessageSchemas, raw, 'server');
}
