// HTTP status and OpenAI error type for each of our error codes, so that HTTP clients (the official
// OpenAI SDK among them) react to our errors as to theirs: 4xx are not retried, 429/5xx are.
import type { OpenAiErrorBody } from '../../../src/protocol/openai';
import type { ErrorCode } from '../../../src/protocol/errorCodes';
import type { ErrorData } from '../../../src/protocol/errors';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  unauthorized: 401,
  forbidden_origin: 403,
  not_found: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  message_too_large: 413,
  too_many_jobs: 429,
  no_model: 503,
  engine_unavailable: 503,
  internal: 500,
};

export function statusOf(code: ErrorCode): number {
  const status = statusByCode[code];
  if (status !== undefined) return status;
  // Everything else is about what the client sent (invalid_*, bad_json, empty_prompt, model_* files).
  return 400;
}

export function openAiErrorBody(err: ErrorData): OpenAiErrorBody {
  const status = statusOf(err.code);
  const type = status === 401 || status === 403 ? 'authentication_error' : status >= 500 ? 'server_error' : status === 429 ? 'rate_limit_error' : 'invalid_request_error';
  const body: OpenAiErrorBody = { error: { message: err.message, type, param: null, code: err.code } };
  if (err.hint !== undefined) body.error.hint = err.hint;
  return body;
}
