// The sampling settings (temperature, top_p, top_k) a Claude model takes. Recent models refuse what older ones
// accepted, and OpenAI SDKs and agent frameworks often send temperature and top_p together (top_p often as its
// no-op default, 1): a fallback that carries such a request to one of these models would end the caller's session
// with a 400 no other route retries. The API's words, as public bug reports quote them:
//   Opus 4.1–4.6, Sonnet 4.5, 4.6, Haiku 4.5   "`temperature` and `top_p` cannot both be specified for this model.
//                                                Please use only one."  (opencode#1644 Opus 4.1, opencommit#520
//                                                Haiku and Sonnet 4.5, ChatterUI#564 Sonnet 4.6, OpenHands#12909
//                                                Opus 4.6, MCP-Universe#49 Opus 4.5)
//   Opus 4.7, 4.8 and the Claude 5 models       "`temperature` is deprecated for this model." (inspect_ai#3721,
//                                                RooCode#12162, pr-agent#2456 Opus 4.8 and Fable 5); Anthropic's
//                                                migration guide: temperature, top_p and top_k are no longer taken.
import type { ChatRequest } from '../types.ts';
import type { Obj } from './obj.ts';
import { claudeModel, reaches, type SinceRule } from './claude-model.ts';

/** `all`: the model takes any of them. `one`: temperature or top_p, not both. `none`: no sampling settings. */
type Sampling = 'all' | 'one' | 'none';

interface SamplingRule extends SinceRule {
  sampling: Sampling;
}

/** First match wins: newest rules first. A model id that names no versioned family (Claude 3 ids such as
 * `claude-3-5-sonnet-…`, models of other vendors behind an Anthropic-compatible API) takes everything. */
const RULES: readonly SamplingRule[] = [
  { family: '*', from: [5, 0], sampling: 'none' },
  { family: 'opus', from: [4, 7], sampling: 'none' },
  { family: 'opus', from: [4, 1], sampling: 'one' },
  { family: 'sonnet', from: [4, 5], sampling: 'one' },
  { family: 'haiku', from: [4, 5], sampling: 'one' },
];

export function samplingOf(model: string): Sampling {
  const m = claudeModel(model);
  if (m === undefined) return 'all';
  return RULES.find((r) => reaches(r, m))?.sampling ?? 'all';
}

/** Temperature and top_p as the route's model takes them. When both come and only one may go, the one that changes
 * nothing is left out — top_p 1 (the whole distribution), or temperature 1 (Anthropic's default) — and when both
 * change sampling, temperature stays: most callers set it and leave top_p at its SDK default. top_p 1 beside a
 * temperature is left out for every model: it changes nothing, and an id the table does not know (an alias for a
 * recent model) is then not refused for the most common pair. */
function samplersOf(req: ChatRequest, sampling: Sampling): { temperature?: number; top_p?: number } {
  // OpenAI's range is 0–2, Anthropic's 0–1: above it, the most Anthropic allows rather than a refused request.
  const temperature = req.temperature === undefined ? undefined : Math.min(req.temperature, 1);
  const topP = req.top_p;
  if (temperature === undefined || topP === undefined)
    return { ...(temperature !== undefined ? { temperature } : {}), ...(topP !== undefined ? { top_p: topP } : {}) };
  if (topP >= 1) return { temperature };
  if (sampling === 'all') return { temperature, top_p: topP };
  return temperature === 1 ? { top_p: topP } : { temperature };
}

/** Puts the sampling settings the route's model takes on the Anthropic body. */
export function samplingToWire(req: ChatRequest, body: Obj): void {
  const sampling = samplingOf(req.model);
  if (sampling === 'none') return;
  Object.assign(body, samplersOf(req, sampling));
  if (req.top_k !== undefined) body['top_k'] = req.top_k;
}
