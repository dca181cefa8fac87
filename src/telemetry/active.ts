// Whether anyone listens: with no SDK registered the library skips its telemetry work entirely, so a caller without
// OpenTelemetry pays two reads per call and nothing per stream chunk.
import { createNoopMeter, metrics, trace, ProxyTracerProvider, type TracerProvider } from '@opentelemetry/api';

const NOOP_TRACER_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();
const NoopMeter = createNoopMeter().constructor;

export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

export function metricsOn(): boolean {
  return !(metrics.getMeterProvider().getMeter('switchyard') instanceof NoopMeter);
}
