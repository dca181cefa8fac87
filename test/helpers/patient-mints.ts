// A test config's minted keys (api_key_file, api_key_command, oauth2) given a long `mint_wait` where the test set
// none. The default (3 s) is what a request waits for a token; on a loaded CI machine a node child or even a file read
// has taken longer, and a test not about that wait then failed as if the mint had hung. Tests about the wait set it.
const MINTED = ['api_key_file', 'api_key_command', 'oauth2'];

type Section = Record<string, unknown>;

const isSection = (v: unknown): v is Section => typeof v === 'object' && v !== null && !Array.isArray(v);

function patient(section: unknown): unknown {
  if (!isSection(section) || 'mint_wait' in section || !MINTED.some((k) => k in section)) return section;
  return { ...section, mint_wait: '60s' };
}

function eachPatient(group: unknown): unknown {
  if (!isSection(group)) return group;
  return Object.fromEntries(Object.entries(group).map(([name, s]) => [name, patient(s)]));
}

/** `config` with `mint_wait: 60s` on each provider and task that mints its key and sets no mint_wait. */
export function withPatientMints<T>(config: T): T {
  if (!isSection(config)) return config;
  const out: Section = { ...config };
  for (const group of ['providers', 'auxiliary']) if (group in out) out[group] = eachPatient(out[group]);
  return out as T;
}
