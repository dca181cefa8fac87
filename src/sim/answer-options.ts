// The answer options in force for one call: the key's own setting, else the model's, else off (as latency is
// resolved). See docs/simulator.md, "Answer options".
import type { KeyBehaviour, ModelSpec, ToolCallIds } from './scenario.ts';

export interface AnswerOptions {
  promptCache: boolean;
  stopSequences: boolean;
  toolCallIds: ToolCallIds;
}

export function answerOptions(key: KeyBehaviour | undefined, model: ModelSpec | undefined): AnswerOptions {
  return {
    promptCache: key?.prompt_cache ?? model?.prompt_cache ?? false,
    stopSequences: key?.stop_sequences ?? model?.stop_sequences ?? false,
    toolCallIds: key?.tool_call_ids ?? model?.tool_call_ids ?? 'present',
  };
}
