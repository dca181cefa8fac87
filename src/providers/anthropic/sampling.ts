// The sampling settings a Claude model takes: recent models refuse pairs or fields older ones accepted, which would
// end a fallback with a 400 (docs/shapes.md#sampling-on-recent-claude-models).
import type { ChatRequest } from '../types.ts';
import type { Obj } from '../translate/obj.ts';
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

/** When only one of temperature and top_p may go, drop the one that changes nothing, else keep temperature (what
 * most callers set). top_p 1 beside a temperature is dropped for every model, so unknown aliases still pass. */
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
