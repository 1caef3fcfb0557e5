import { createAgentNodeType } from './agent-node.js';
import { createChatNodeType } from './chat-node.js';
import type { AiNodeType } from './connections.js';
import type { AiNodeDependencies } from './dependencies.js';

export { AI_CREDENTIAL_SOURCE } from './connections.js';
export type { AiNodeDependencies } from './dependencies.js';

/** Builds the host-side AI node types: `ai/chat@1` and `ai/agent@1`. */
export function createAiNodeTypes(deps: AiNodeDependencies): AiNodeType[] {
  return [createChatNodeType(deps), createAgentNodeType(deps)];
}
