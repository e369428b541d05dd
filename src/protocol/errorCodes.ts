// Every error code the product uses, each with what it means: HydrapatchError takes only these, so a
// misspelt or new code fails the type check instead of slipping past a `code === '…'` comparison.
//
// One casing, snake_case: it is what the server and the wire already spoke (and what OpenAI-style
// `error.code` fields use), so a code is also a plain identifier and a key without quotes. Codes from
// an older peer (kebab-case, retired aliases) or a foreign server are mapped by normalizeErrorCode
// where a message is parsed; the server's GPU layer (server/src/gpu) throws codes listed here too.

export const errorCodes = {
  // Anywhere
  internal: 'a bug: something that should not happen did',
  cancelled: 'the user or the caller cancelled the run',
  busy: 'a run is already in progress',
  bad_input: 'a function was given a value outside its domain',
  remote_error: 'a peer sent a code this version does not know (the original code is in the message)',

  // Command lines and settings
  bad_arguments: 'a command-line argument is missing or malformed',
  bad_option: 'a solve option is out of range',
  no_folder: 'no folder is open in the editor',
  not_a_repo: 'the folder is missing or not a git repository',
  no_endpoint: 'the endpoint setting is not an http(s) URL',
  no_gh: 'the GitHub CLI is not installed, so an issue URL cannot be read',
  gh_failed: 'the GitHub CLI could not read the issue',
  bad_samples: 'a samples file is unreadable or holds no sample',

  // The extension's commands
  no_run: 'there is no earlier run to repeat',
  no_candidate: 'the candidate asked for is not in the current run',
  no_candidates: 'the run has no candidate to apply',
  no_such_file: 'the candidate does not change the file asked for',
  apply_failed: 'the editor refused to apply the candidate',
  changed_since_run: 'a file the candidate touches changed after the run tested it',
  cannot_draw_more: 'more samples cannot be drawn into this run (running, stored in the history, or its snapshot is gone)',
  bad_history: 'the stored run history could not be read',

  // Applying a sample's edits
  no_edits: 'the sample holds no edit, or its edits change nothing',
  too_large: 'a sample, an edit or a file is over a size limit',
  unsafe_path: 'a path leads out of the repository, into .git, or is not a regular file',
  binary: 'an edit touches binary content',
  missing_file: 'an edit needs a file that does not exist',
  file_exists: 'an edit creates a file that already exists',
  no_match: "an edit's SEARCH lines are not in the file",

  // Tests, baseline and sandbox
  no_test_command: 'no test command was given or detected',
  test_setup: 'the tests cannot run at all (missing runner, import error), whatever the patch',
  baseline_failed: 'the tests did not finish on the unmodified tree',
  baseline_passes: 'the tests pass on the unmodified tree, so nothing can be verified',
  no_reproduction_test: 'no drawn reproduction test fails on the unmodified tree',
  sandbox_unavailable: 'a sandbox is required and none can run here',
  sandbox_consent_refused: 'the user declined to run tests without a sandbox',
  sandbox_bad_limit: 'a sandbox resource limit is malformed',
  sandbox_empty_command: 'the test command to sandbox is empty',
  sandbox_missing_path: 'a folder the sandbox should expose does not exist',
  sandbox_no_worktree: 'the sandbox was given no writable folder',
  sandbox_setup_failed: 'the worktree could not be handed to the sandbox',

  // Worktrees and temp folders
  worktree_failed: 'git could not create a worktree',
  unsafe_temp: 'the temp folder is not private to this user',
  disk_full: 'the temp folder ran out of space',

  // Reaching a model: the bundled server, an OpenAI-compatible endpoint
  server_missing: 'the bundled server script is not installed',
  server_failed: 'a server command exited with an error',
  server_start_failed: 'the server process could not start',
  server_start_timeout: 'the server did not become ready in time',
  server_unreachable: 'the server cannot be reached',
  server_refused: 'the server refused the WebSocket connection',
  server_disconnected: 'the connection to the server closed',
  protocol_error: 'the server answered out of protocol',
  protocol_mismatch: 'client and server speak different protocol versions',
  request_failed: 'an HTTP request failed without an answer',
  http_error: 'an HTTP server answered with an error status and no error code',
  bad_response: 'an HTTP server answered with something that is not the expected JSON',
  stream_failed: 'a streamed response broke off',
  incomplete_response: 'a response ended with samples unfinished',
  no_model_name: 'no model name is set and the endpoint serves none or several',
  unsupported_tree: 'the prompt tree cannot be sent to this kind of endpoint',

  // Wire requests (WebSocket messages, HTTP bodies)
  bad_json: 'a message or body is not valid JSON',
  invalid_message: 'a message does not fit the protocol schema',
  unknown_message: 'a message type the receiver does not know',
  message_too_large: 'a message or body is over the size limit',
  invalid_n: 'a sample count is out of range',
  invalid_params: 'sampling parameters are out of range',
  invalid_tree: 'a prompt tree is malformed or too large',
  empty_prompt: 'a prompt holds no text or tokens',
  bad_tree: 'a prompt tree cannot be laid out or read',
  bad_params: 'sampling parameters are inconsistent',
  no_chat_template: 'the model has no chat template',
  duplicate_job: 'a job id is already running on the connection',
  too_many_jobs: 'the connection runs as many jobs as it may',
  unknown_job: 'no job with that id runs on the connection',
  unauthorized: 'the request carries no token or a wrong one',
  forbidden_origin: 'the request comes from a web origin that is refused',
  not_found: 'no endpoint at that path',
  method_not_allowed: 'the HTTP method is not allowed on that path',

  // Models and the engine
  no_model: 'no model is set or loaded',
  too_many_models: 'the server holds as many models as it may',
  model_not_found: 'the model file or folder does not exist',
  model_truncated: 'the model file ends early',
  model_bad_magic: 'the file is not a GGUF file',
  model_unsupported_version: 'the GGUF version is not supported',
  model_bad_header: 'the model file header is damaged',
  model_unsupported_arch: 'the model architecture is not supported',
  model_unsupported_tensor_type: 'a tensor type is not supported',
  model_missing_tensor: 'a tensor the architecture needs is missing',
  model_bad_shape: 'a tensor shape does not fit the config',
  model_bad_weights: 'the weights are damaged',
  model_misaligned: 'the file breaks the GGUF alignment rules',
  model_vocab_mismatch: 'tokenizer and embedding table disagree',
  model_bad_config: 'the model config is missing or inconsistent',
  model_bad_tokenizer: 'the tokenizer files are unusable',
  model_chat_template: "the conversation does not fit the model's chat template",
  unsupported_model: 'the model has a shape the engine cannot run',
  bad_shape: 'values cannot be quantised in this shape',
  bad_batch: 'a forward batch is inconsistent',
  bad_token: 'a token id is outside the vocabulary',
  bad_position: 'a position is out of range',
  context_full: "a sequence is longer than the model's context",
  kv_budget: 'the KV budget cannot hold what was asked',
  kv_too_large: 'the KV cache is larger than the GPU can address',
  no_calibration: 'attention "auto" needs costs the engine did not measure',
  engine_closed: 'the sampling engine was closed',
  engine_unavailable: 'the sampling engine cannot take work',

  // The GPU (server/src/gpu)
  no_adapter: 'no WebGPU adapter was found',
  no_webgpu: 'the WebGPU runtime could not be loaded',
  gpu_buffer_too_large: "a buffer is larger than the device's largest binding",
  gpu_dispatch_too_large: 'a dispatch has more workgroups than the device allows',
  unsupported_shape: 'a tensor shape the GPU kernels cannot handle',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodes, value);
}

/** Codes an older peer sent that mean what a catalogue code means now. */
const retiredAliases: Readonly<Record<string, ErrorCode>> = {
  bad_argument: 'bad_arguments',
  missing_tensor: 'model_missing_tensor',
  model_missing: 'model_not_found',
  bad_tokens: 'bad_token',
};

/**
 * A code as received from another process (an older or newer client or server, any casing), as a
 * catalogue code, or null when it is none (the caller keeps the original in its message).
 */
export function normalizeErrorCode(received: string): ErrorCode | null {
  const snake = received.trim().toLowerCase().replace(/-/g, '_');
  if (isErrorCode(snake)) return snake;
  return Object.hasOwn(retiredAliases, snake) ? retiredAliases[snake]! : null;
}
