// How a prompt becomes model input. Chat models need their chat template around the messages; the
// prompt tree is text, so the template is reduced to the three strings around the system and user
// messages (a ChatWrap), and the shared prefix (system + most of the user message) stays a prefix.
// The bundled server derives the wrap from the model's own template (server/src/model/chatWrap.ts) and
// sends it with the model; the plain wrap here is for sources that do not (OpenAI-compatible endpoints
// get chat requests instead) and for base models.

import type { ChatWrap } from '../../protocol/chatWrap';

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** The wrap's type lives in src/protocol: the server derives one from a model's template and sends it. */
export type { ChatWrap };

/** Plain text, no template: for base models and the demo model. */
export const plainWrap: ChatWrap = { beforeSystem: '', betweenSystemAndUser: '\n\n', afterUser: '\n\n' };
