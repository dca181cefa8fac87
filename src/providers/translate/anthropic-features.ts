// Request features newer Claude models take and older ones refuse with a 400 (a `bad_request`, which ends the call
// instead of falling back). A caller names the model it believes it talks to — through an alias or a fallback the
// route's model may be older — so an Anthropic route sends a feature only to a model that takes it. Sources:
//   mid-conversation system messages  Anthropic's docs (build-with-claude/mid-conversation-system-messages):
//                                     Opus 4.8 first; other models answer 400 invalid_request_error. Claude Code
//                                     ≥ 2.1.154 sends them to its default Claude 5 models.
//   adaptive thinking                 Opus 4.6 and Sonnet 4.6 first (budget_tokens deprecated there), the only mode
//                                     from Opus 4.7 and Claude 5 on; Haiku 4.5 refuses it.
//   effort (`output_config.effort`)   Opus 4.5 first (then behind the `effort-2025-11-24` beta), Sonnet 4.6, Claude 5;
//                                     Haiku 4.5 refuses it.
// An id that names no Claude version (an alias, another vendor's model behind an Anthropic-compatible API) gets what
// UNKNOWN says: the caller's fields as sent, but system messages hoisted to `system`, which every such API takes.
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
