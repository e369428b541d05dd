// Budgets are in tokens but the pipeline does not always have the model's tokenizer: the default
// estimate (3.5 characters per token, about right for code with BPE vocabularies) can be replaced by
// a real counter.

export type TokenCounter = (text: string) => number;

export const estimateTokens: TokenCounter = (text) => Math.ceil(text.length / 3.5);
