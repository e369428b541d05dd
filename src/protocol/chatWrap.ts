// How a prompt tree's text is wrapped for a chat model: the model's chat template reduced to the three
// strings around the system and user messages (the server derives it from the model's template and
// sends it in the model info, server/src/model/chatWrap.ts; src/core/prompt/chatWrap.ts has the plain one).

export interface ChatWrap {
  /** Before the system message (role header). BOS is not included: PromptTree.bos adds it. */
  beforeSystem: string;
  /** From the end of the system message to the start of the user message's content. */
  betweenSystemAndUser: string;
  /** After the user message: its end and the assistant's header (the generation prompt). */
  afterUser: string;
}
