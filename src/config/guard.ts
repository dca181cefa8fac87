// `guard:` — the secrets guard's settings (docs/guard.md): what a request carrying a credential gets. Here, in the
// leaf, so the schema, the key records and the guard itself (src/guard/) read the same modes.
import { z } from 'zod';

export const GUARD_MODES = ['redact', 'block', 'log', 'off'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];

export const guardModeSchema = z.enum(GUARD_MODES, {
  error: () => `expected one of ${GUARD_MODES.join(', ')}`,
});

/** The top-level `guard:` section; `secrets` unset means `log` (counted and shown, traffic unchanged). */
export const guardSchema = z.strictObject({
  secrets: guardModeSchema.optional(),
});
export type GuardConfig = z.infer<typeof guardSchema>;
