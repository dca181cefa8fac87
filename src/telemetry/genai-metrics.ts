// The four GenAI client metrics of the semantic conventions (docs/observability.md#metrics), through the
// OpenTelemetry metrics API: no-ops until an SDK (the gateway's `otel`, or the library user's own) is registered.
import { metrics, type Attributes, type Histogram } from '@opentelemetry/api';
import { SCOPE } from './semconv.ts';
import { VERSION } from '../version.ts';

// The conventions' advised bucket boundaries.
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const CHUNK_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];

export interface GenAiInstruments {
  duration: Histogram;
  tokens: Histogram;
  firstChunk: Histogram;
  perChunk: Histogram;
}

/** Each instrument as the conventions name it: name, description, unit and advised buckets. */
const INSTRUMENTS: Record<keyof GenAiInstruments, [string, string, string, number[]]> = {
  duration: ['gen_ai.client.operation.duration', 'GenAI operation duration', 's', DURATION_BUCKETS],
  tokens: ['gen_ai.client.token.usage', 'Number of input and output tokens used', '{token}', TOKEN_BUCKETS],
  firstChunk: [
    'gen_ai.client.operation.time_to_first_chunk',
    'Time to receive the first chunk of a streamed answer',
    's',
    DURATION_BUCKETS,
  ],
  perChunk: [
    'gen_ai.client.operation.time_per_output_chunk',
    'Time between consecutive chunks of a streamed answer',
    's',
    CHUNK_BUCKETS,
  ],
};

let cached: { provider: unknown; instruments: GenAiInstruments } | undefined;

/** The instruments of the meter provider registered now (kept until another is registered: tests swap them). */
export function genAiInstruments(): GenAiInstruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter(SCOPE, VERSION);
  const made = (key: keyof GenAiInstruments): Histogram => {
    const [name, description, unit, buckets] = INSTRUMENTS[key];
    return meter.createHistogram(name, { description, unit, advice: { explicitBucketBoundaries: buckets } });
  };
  const instruments: GenAiInstruments = {
    duration: made('duration'),
    tokens: made('tokens'),
    firstChunk: made('firstChunk'),
    perChunk: made('perChunk'),
  };
  cached = { provider, instruments };
  return instruments;
}

/** Records input and output tokens as the conventions' two token types. */
export function recordTokens(
  tokens: Histogram,
  usage: { input_tokens: number; output_tokens: number },
  attrs: Attributes,
): void {
  if (Number.isFinite(usage.input_tokens) && usage.input_tokens >= 0)
    tokens.record(usage.input_tokens, { ...attrs, 'gen_ai.token.type': 'input' });
  if (Number.isFinite(usage.output_tokens) && usage.output_tokens >= 0)
    tokens.record(usage.output_tokens, { ...attrs, 'gen_ai.token.type': 'output' });
}
