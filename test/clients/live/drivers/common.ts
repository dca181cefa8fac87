// Shared by the drivers: where the gateway is, the tool and the schema every case uses, and how a case reports.
// The drivers run from .tools/clients/drivers/ (copied there by install.ts), so their imports resolve against the
// pinned packages installed beside them, not the project's own node_modules.

export const GATEWAY = process.env['SWITCHYARD_URL'] ?? 'http://127.0.0.1:4141';
export const KEY = process.env['SWITCHYARD_KEY'] ?? '';
/** The model every library case asks for: a task name of the gateway. */
export const MODEL = process.env['SWITCHYARD_MODEL'] ?? 'main';

/** The tool every case offers: the simulator calls it when the prompt says "call weather". */
export const WEATHER = {
  name: 'weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', description: 'the city' } },
    required: ['city'],
    additionalProperties: false,
  },
} as const;

export function weather(args: { city: string }): string {
  return `sunny in ${args.city}`;
}

export const TOOL_PROMPT = 'call weather for Paris';

/** Runs the case named on the command line: prints what it returns, or the error and exits 1. */
export async function runCase(cases: Record<string, () => Promise<string>>): Promise<void> {
  const name = process.argv[2] ?? '';
  const run = cases[name];
  if (!run) {
    console.error(`unknown case "${name}"; cases: ${Object.keys(cases).join(', ')}`);
    process.exit(2);
  }
  try {
    console.log(await run());
  } catch (err) {
    console.log(`ERROR ${describe(err)}`);
    process.exit(1);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status =
    (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  return `${err.constructor.name}${status === undefined ? '' : ` ${String(status)}`}: ${err.message}${cause}`.replace(
    /\s+/g,
    ' ',
  );
}
