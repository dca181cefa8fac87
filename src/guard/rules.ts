// The secrets guard's rule table: one row per credential format (after gitleaks' rules, rewritten as anchored
// JavaScript patterns), with an optional check on what matched. The patterns run over a window of bytes decoded as
// latin1 (scan.ts), so they match ASCII only: whitespace is spelled out (`\s` would take the byte 0xA0 inside a UTF-8
// character) and a value never takes a character of 0x80 and over, so a secret's ends fall between whole characters. Kept as
// our own regexes rather than secretlint's preset: its lintSource builds an AST and a message object per rule and
// file, where the gateway can afford one pass over the body's bytes (docs/guard.md#cost).

/** How a secret is shown once redacted: its last characters only where they give nothing away. */
export type Tail = 'last4' | 'none';

export interface SecretRule {
  /** The rule's id: the metric label, the record's `rule`, the refusal's name. */
  id: string;
  /** The type named in the placeholder (`[redacted aws_access_key …7Q2A]`). */
  type: string;
  /** The precise pattern, run only in a window around an anchor (flags `g` added by the scanner). The secret is the
   * whole match, or its group 1 when the pattern has one (the key of an assignment is kept). */
  pattern: RegExp;
  /** A further check on the secret (entropy, a known shape), when the pattern alone matches too much. */
  accept?: (secret: string) => boolean;
  tail: Tail;
}

/** Shannon entropy of a string in bits per character: a generated secret has more than a word or a placeholder. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A generic assignment's value is taken for a secret only at this entropy (bits per character), with letters and
 * digits: `password=hunter2hunter2` is not a generated secret, `password=Xk9$mQ2!vL7#` is. */
export const GENERIC_MIN_ENTROPY = 3.0;
const GENERIC_PLACEHOLDERS =
  /^(?:\*+|x+|\.+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|%[A-Z_]+%|changeme|password|secret|null|none|true|false|undefined)$/i;

function genericSecret(value: string): boolean {
  if (GENERIC_PLACEHOLDERS.test(value)) return false;
  // A generated value mixes letters and digits; a name (`YOUR_API_KEY`, `max_tokens`) or a number does not.
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return entropy(value) >= GENERIC_MIN_ENTROPY;
}

/** A JSON string's `"` as it stands in a raw body (`\"` inside a tool result's text) or in decoded text. */
const Q = String.raw`(?:\\{1,3}"|'|")?`;
/** ASCII whitespace: `\s` without its non-ASCII members. */
const S = String.raw`[\t\n\v\f\r ]`;

/** The rules, most specific first: where two overlap, the first one found at a place wins. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    type: 'private_key',
    // To the END line when it is there (through a JSON string's `\n` escapes, never past its closing quote);
    // otherwise the header and the base64 after it.
    pattern:
      /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?:[^"\\]|\\[^"])*?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=\t\n\r ]|\\[nrt])*)/,
    tail: 'none',
  },
  {
    id: 'aws-access-key',
    type: 'aws_access_key',
    pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/,
    tail: 'last4',
  },
  {
    id: 'aws-secret-key',
    type: 'aws_secret_key',
    pattern: new RegExp(
      String.raw`aws_?secret_?(?:access_?)?key${Q}${S}*[=:]${S}*${Q}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
      'i',
    ),
    tail: 'none',
  },
  {
    id: 'gcp-service-account-key-id',
    type: 'gcp_private_key_id',
    pattern: new RegExp(String.raw`private_key_id${Q}${S}*:${S}*${Q}([a-f0-9]{40})\b`),
    tail: 'none',
  },
  { id: 'gcp-api-key', type: 'gcp_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/, tail: 'last4' },
  {
    id: 'azure-storage-key',
    type: 'azure_storage_key',
    pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/,
    tail: 'none',
  },
  {
    id: 'azure-shared-access-key',
    type: 'azure_shared_access_key',
    pattern: /SharedAccessKey=([A-Za-z0-9+/]{42,44}=?)/,
    tail: 'none',
  },
  { id: 'github-pat', type: 'github_token', pattern: /\bgithub_pat_[A-Za-z0-9_]{82}\b/, tail: 'last4' },
  { id: 'github-token', type: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/, tail: 'last4' },
  {
    id: 'gitlab-token',
    type: 'gitlab_token',
    pattern: /\bgl(?:pat|ptt|dt|rt)-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/,
    tail: 'last4',
  },
  { id: 'slack-token', type: 'slack_token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}(?![0-9A-Za-z-])/, tail: 'last4' },
  { id: 'stripe-key', type: 'stripe_key', pattern: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,}\b/, tail: 'last4' },
  {
    id: 'anthropic-key',
    type: 'anthropic_key',
    pattern: /\bsk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_-]{80,}(?![A-Za-z0-9_-])/,
    tail: 'last4',
  },
  {
    id: 'openai-key',
    type: 'openai_key',
    pattern:
      /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])/,
    tail: 'last4',
  },
  {
    id: 'jwt',
    type: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
    tail: 'none',
  },
  {
    id: 'generic-secret',
    type: 'secret',
    // `password=…`, `"client_secret": "…"` (as raw JSON or in a tool result's escaped text): the value is the secret.
    pattern: new RegExp(
      String.raw`(?:password|passwd|pwd|secret|client_secret|token|auth_token|access_token|api_?key|access_key|private_key)${Q}${S}*[=:]${S}*${Q}([^\t\n\v\f\r "'\\,;&{}\[\]<>\x80-\uffff]{8,200})`,
      'i',
    ),
    accept: genericSecret,
    tail: 'none',
  },
];

/** The words an assignment's key ends with for the generic rule (and AWS's secret key): what the prefilter looks
 * for before a `=` or `:` (anchors.ts). */
export const KEYWORD_END =
  /(?:pass(?:word|wd)|pwd|secret|token|api_?key|access_?key|private_key)(?:\\{1,3}"|'|")?[\t\n\v\f\r ]*$/i;
