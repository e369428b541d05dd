// Limits of the extension ⇄ server protocol, shared by the validators on both sides so that a client
// can refuse what the server would refuse before sending it.

export const protocolVersion = 1;

export const wireLimits = {
  /** Samples one job may ask for, summed over its leaves (issue 4: "n up to 1,000 per job"). */
  maxSamplesPerJob: 1000,
  /** Nesting of a prompt tree; deeper trees are almost certainly a bug in the caller. */
  maxTreeDepth: 32,
  maxTreeNodes: 4096,
  maxStopStrings: 16,
  maxStopLength: 256,
  /** Job and request ids are chosen by the client; short strings keep logs and maps sane. */
  maxIdLength: 128,
  maxTokens: 1 << 20,
  /** Default largest message the server parses (a long repository context fits comfortably). */
  maxMessageBytes: 16 * 1024 * 1024,
} as const;
