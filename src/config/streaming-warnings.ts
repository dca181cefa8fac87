// `config check` and `doctor`: a stream's own limit (`streaming.first_token_timeout`, `streaming.idle_timeout`) that
// a route's provider `timeout` makes useless. That timeout bounds every wait for a chunk of the provider's streams (the
// first one included: providers/deadline.ts), so a streaming limit as long or longer never runs out first: the stream
// is cut by the provider's timeout instead, as an ordinary timeout, and the setting never takes effect.
import type { Config } from './schema.ts';
import type { StreamingConfig } from './streaming.ts';
import { chainRoutes, taskNames } from './resolve-task.ts';
import { formatDurationSetting } from './duration.ts';

const LIMITS = ['first_token_timeout', 'idle_timeout'] as const;

/** Where a task's limit is written: its own `streaming:`, else the top level's (undefined: not set). */
function limitAt(
  config: Config,
  task: string,
  field: (typeof LIMITS)[number],
): { path: string; ms: number } | undefined {
  const own: StreamingConfig | undefined = task === 'main' ? undefined : config.auxiliary[task]?.streaming;
  const mine = own?.[field];
  if (mine !== undefined) return { path: `auxiliary.${task}.streaming.${field}`, ms: mine };
  const top = config.streaming[field];
  return top !== undefined ? { path: `streaming.${field}`, ms: top } : undefined;
}

/** One warning per streaming setting and provider it cannot take effect on, naming both settings. */
export function streamingTimeoutWarnings(config: Config): string[] {
  const out: string[] = [];
  const said = new Set<string>();
  for (const task of taskNames(config))
    for (const field of LIMITS) {
      const limit = limitAt(config, task, field);
      if (limit === undefined) continue;
      for (const route of chainRoutes(config, task)) {
        const timeout = config.providers[route.provider]?.timeout;
        const key = `${limit.path}\u0000${route.provider}`;
        if (timeout === undefined || limit.ms < timeout || said.has(key)) continue;
        said.add(key);
        const setting = `providers.${route.provider}.timeout`;
        out.push(
          `${limit.path} (${formatDurationSetting(limit.ms)}) is not shorter than ${setting} (${formatDurationSetting(timeout)}), which bounds every wait for a chunk of ${route.provider}'s streams: it runs out first, so ${limit.path} never takes effect there — lower ${limit.path} or raise ${setting}`,
        );
      }
    }
  return out;
}
