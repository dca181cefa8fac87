// The gateway's OpenTelemetry SDK, started only with `gateway.otel: true` or `--otel` and loaded only then (a
// dynamic import): exporters, sampler, resource and propagators come from the standard OTEL_* variables.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import type { Logger } from '../log.ts';

export interface OtelHandle {
  /** Exports what is pending and unregisters the SDK. */
  shutdown(): Promise<void>;
}

/** Starts the SDK from the environment; `service.name` is `switchyard` unless the environment names one. */
export async function startOtel(env: NodeJS.ProcessEnv, logger?: Logger): Promise<OtelHandle> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const named =
    (env['OTEL_SERVICE_NAME'] ?? '') !== '' || /(^|,)\s*service\.name=/.test(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '');
  const sdk = new NodeSDK({
    ...(named ? {} : { serviceName: 'switchyard' }),
    instrumentations: [],
  });
  sdk.start();
  logger?.info(
    { endpoint: env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'default' },
    'OpenTelemetry on: traces and GenAI metrics are exported as the OTEL_* variables say',
  );
  let done: Promise<void> | undefined;
  return {
    shutdown: () =>
      (done ??= sdk
        .shutdown()
        .catch((err: unknown) => {
          logger?.warn(`OpenTelemetry shutdown: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(unregister)),
  };
}

/** The SDK's globals go with it, so a library in the same process (tests) is back to doing nothing. */
function unregister(): void {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
}
