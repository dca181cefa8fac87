// Request features newer Claude models take and older ones refuse with a 400 that ends the call: sent only to a
// model that takes them (docs/shapes.md#anthropic-only-fields-thinking-context_management-effort).
import { claudeModel, reaches, type SinceRule } from './claude-model.ts';

export type AnthropicFeature = 'mid_conversation_system' | 'adaptive_thinking' | 'effort';

const SINCE: Readonly<Record<AnthropicFeature, readonly SinceRule[]>> = {
  mid_conversation_system: [
    { family: '*', from: [5, 0] },
    { family: 'opus', from: [4, 8] },
  ],
  adaptive_thinking: [
    { family: '*', from: [5, 0] },
    { family: 'opus', from: [4, 6] },
    { family: 'sonnet', from: [4, 6] },
  ],
  effort: [
    { family: '*', from: [5, 0] },
    { family: 'opus', from: [4, 5] },
    { family: 'sonnet', from: [4, 6] },
  ],
};

const UNKNOWN: Readonly<Record<AnthropicFeature, boolean>> = {
  mid_conversation_system: false,
  adaptive_thinking: true,
  effort: true,
};

/** Whether an Anthropic route to `model` is sent `feature`. */
export function modelTakes(model: string, feature: AnthropicFeature): boolean {
  const m = claudeModel(model);
  return m === undefined ? UNKNOWN[feature] : SINCE[feature].some((rule) => reaches(rule, m));
}
