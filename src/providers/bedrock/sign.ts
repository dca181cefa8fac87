// AWS Signature Version 4 for a Bedrock call, with Smithy's signer (the AWS SDK's own). A Bedrock credential is
// `ACCESS_KEY_ID:SECRET_ACCESS_KEY` or `…:SESSION_TOKEN` (static keys, or a profile's or the default chain's session
// minted by aws-credentials.ts); one without a colon is a Bedrock API key, sent as Bearer instead.
import type { SignatureV4 } from '@smithy/signature-v4';
import type { UpstreamCall } from '../http.ts';
import { wholeBody } from '../translate/body-pieces.ts';

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The keys a credential holds, or undefined for a Bedrock API key. */
export function awsKeysOf(credential: string): AwsKeys | undefined {
  const [accessKeyId, secretAccessKey, sessionToken] = credential.split(':');
  if (accessKeyId === undefined || secretAccessKey === undefined || accessKeyId === '' || secretAccessKey === '')
    return undefined;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** The credential's parts that are secret, each scrubbed from anything an upstream says. */
export function awsSecrets(credential: string): string[] {
  const keys = awsKeysOf(credential);
  return keys === undefined ? [] : [keys.secretAccessKey, ...(keys.sessionToken ? [keys.sessionToken] : [])];
}

/** Smithy's signer, imported by the first signed call: ~2 MiB of heap that a gateway without Bedrock keys never needs
 * and that every full collection would mark again. */
interface Smithy {
  SignatureV4: typeof SignatureV4;
  Sha256: ConstructorParameters<typeof SignatureV4>[0]['sha256'];
}
let smithy: Promise<Smithy> | undefined;

function smithySigner(): Promise<Smithy> {
  smithy ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]).then(([sig, hash]) => ({
    SignatureV4: sig.SignatureV4,
    Sha256: hash.Hash.bind(null, 'sha256'),
  }));
  return smithy;
}

/** The headers that sign this request (authorization, x-amz-date, x-amz-security-token), as of `now`. */
export async function sigv4Headers(
  keys: AwsKeys,
  region: string,
  service: string,
  origin: string,
  call: Pick<UpstreamCall, 'url' | 'method' | 'headers' | 'body'>,
  now: Date = new Date(),
): Promise<Record<string, string>> {
  const url = new URL(call.url.path, origin);
  const { SignatureV4, Sha256 } = await smithySigner();
  const signer = new SignatureV4({ credentials: keys, region, service, sha256: Sha256, applyChecksum: false });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign(
    {
      method: call.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...call.headers, host: url.host },
      // The signature covers the body whole, as it is sent.
      ...(call.body !== undefined ? { body: wholeBody(call.body) } : {}),
    },
    { signingDate: now },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (!(k in call.headers) && k !== 'host') out[k] = String(v);
  return out;
}
