// A corpus of credentials in each format the guard knows, generated fresh by the tests (never a real one), and
// decoys that must pass untouched: UUIDs, hashes, base64 images, prose that names secrets without holding one.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface Planted {
  /** The format, as a rule id the guard should name. */
  rule: string;
  /** The text planted (a line of a `.env`, a JSON key file, …). */
  text: string;
  /** What must never reach the upstream: the secret itself, or its distinctive parts. */
  secrets: string[];
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;

function pick(alphabet: string, n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** Random alphanumerics with at least one digit and one letter (a generated token always has both, in practice). */
function token(n: number, alphabet = ALNUM): string {
  return `${pick(alphabet, n - 2)}a7`;
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function privateKeyBlock(kind: string): { block: string; body: string } {
  const body = randomBytes(600).toString('base64');
  const lines = body.match(/.{1,64}/g)!.join('\n');
  return { block: `-----BEGIN ${kind}-----\n${lines}\n-----END ${kind}-----\n`, body: body.slice(0, 64) };
}

/** One credential of each format. */
export function plantedSecrets(): Planted[] {
  const aws = `AKIA${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
  const awsSecret = randomBytes(30).toString('base64');
  const gcpKey = privateKeyBlock('PRIVATE KEY');
  const gcpKeyId = randomBytes(20).toString('hex');
  const serviceAccount = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'demo-project',
      private_key_id: gcpKeyId,
      private_key: gcpKey.block,
      client_email: 'svc@demo-project.iam.gserviceaccount.com',
    },
    null,
    2,
  );
  const azure = randomBytes(64).toString('base64');
  const ghp = `ghp_${token(36)}`;
  const pat = `github_pat_${token(22)}_${token(59)}`;
  const glpat = `glpat-${token(20)}`;
  const slack = `xoxb-${pick('0123456789', 12)}-${pick('0123456789', 13)}-${token(24)}`;
  const stripe = `sk_live_${token(24)}`;
  const openai = `sk-proj-${token(74)}T3BlbkFJ${token(74)}`;
  const anthropic = `sk-ant-api03-${token(93)}AA`;
  const ssh = privateKeyBlock('OPENSSH PRIVATE KEY');
  const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: randomUUID(), iat: 1_700_000_000 })}.${randomBytes(32).toString('base64url')}`;
  const password = `${token(10)}$!${token(6)}`;
  return [
    { rule: 'aws-access-key', text: `AWS_ACCESS_KEY_ID=${aws}`, secrets: [aws] },
    { rule: 'aws-secret-key', text: `aws_secret_access_key = ${awsSecret}`, secrets: [awsSecret] },
    { rule: 'private-key', text: serviceAccount, secrets: [gcpKey.body, gcpKeyId] },
    {
      rule: 'azure-storage-key',
      text: `DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=${azure};EndpointSuffix=core.windows.net`,
      secrets: [azure],
    },
    { rule: 'github-token', text: `GITHUB_TOKEN=${ghp}`, secrets: [ghp] },
    { rule: 'github-pat', text: `git clone https://${pat}@github.com/acme/app`, secrets: [pat] },
    { rule: 'gitlab-token', text: `export GITLAB_TOKEN="${glpat}"`, secrets: [glpat] },
    { rule: 'slack-token', text: `SLACK_BOT_TOKEN=${slack}`, secrets: [slack] },
    { rule: 'stripe-key', text: `STRIPE_SECRET_KEY=${stripe}`, secrets: [stripe] },
    { rule: 'openai-key', text: `OPENAI_API_KEY=${openai}`, secrets: [openai] },
    { rule: 'anthropic-key', text: `ANTHROPIC_API_KEY=${anthropic}`, secrets: [anthropic] },
    { rule: 'private-key', text: ssh.block, secrets: [ssh.body] },
    { rule: 'jwt', text: `Authorization: Bearer ${jwt}`, secrets: [jwt] },
    { rule: 'generic-secret', text: `DB_PASSWORD=${password}`, secrets: [password] },
  ];
}

/** Text that looks like a secret to a careless rule and is none. */
export function decoys(count: number): string[] {
  const makers: (() => string)[] = [
    () => randomUUID(),
    () => createHash('sha256').update(randomBytes(8)).digest('hex'),
    () => createHash('sha1').update(randomBytes(8)).digest('hex'),
    () => `commit ${createHash('sha1').update(randomBytes(8)).digest('hex')}`,
    () => `data:image/png;base64,${randomBytes(900).toString('base64')}`,
    () => `request_id=${randomUUID()} trace=${randomBytes(16).toString('hex')}`,
    () => 'the password is in the vault; set api_key=YOUR_API_KEY and token: ${GITHUB_TOKEN}',
    () => 'max_tokens=1024, a task-list and the risk-register; ASIAN markets; password: ********',
    () => `sha512-${randomBytes(64).toString('base64')}`,
    () => `etag "${randomBytes(12).toString('hex')}"`,
  ];
  return Array.from({ length: count }, (_, i) => makers[i % makers.length]!());
}
