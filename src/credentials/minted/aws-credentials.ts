// AWS keys for a Bedrock provider from a named profile or the SDK's default chain (environment, SSO, the shared
// files, a role assumed with STS, a credential process, container and instance metadata), with the SDK's own
// providers. The token is the keys as one string (`ACCESS_KEY_ID:SECRET:SESSION_TOKEN`, providers/aws-sign.ts) and lives until the session expires;
// the files are read afresh at each mint, so a session renewed by `aws sso login` or a rotated profile is found.
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { fromSSO } from '@aws-sdk/credential-provider-sso';
import { MintError } from './mint-error.ts';
import { awsProfileFrom, awsSsoIn } from './aws-profile.ts';
import type { AwsSpec } from './spec.ts';

export interface AwsToken {
  token: string;
  expiresAt?: number;
}

export async function awsKeys(spec: AwsSpec, source: string): Promise<AwsToken> {
  const sso = await awsSsoIn(spec);
  const sts = spec.stsEndpoint !== undefined && sso === undefined ? spec.stsEndpoint : undefined;
  const files = {
    ...(spec.credentialsFile !== undefined ? { filepath: spec.credentialsFile } : {}),
    ...(spec.configFile !== undefined ? { configFilepath: spec.configFile } : {}),
  };
  // A provider made per mint: the SDK's memoized one would keep a session past the moment the files renew it. An SSO
  // profile is read by the SSO provider itself, since the profile chain looks for it in the default files only.
  const chain =
    sso === 'self' && spec.profile !== undefined
      ? fromSSO({ profile: spec.profile, ...files })
      : defaultProvider({
          ignoreCache: true,
          ...(spec.profile !== undefined ? { profile: spec.profile } : {}),
          ...files,
          // A profile's role_arn is assumed at this STS (its source_profile's keys sign the AssumeRole call).
          ...(sts !== undefined ? { clientConfig: { endpoint: sts } } : {}),
        });
  let keys: Awaited<ReturnType<typeof chain>>;
  try {
    keys = await chain();
  } catch (err) {
    // The SDK's message names what it looked for (a profile, a file), never a secret.
    const said = err instanceof Error ? err.message.split('\n')[0] : String(err);
    // The SDK's "Could not load credentials from any providers" does not say the profile is missing: said here.
    const from = await awsProfileFrom(spec);
    throw new MintError(source, 'refused', `no AWS credentials: ${said}${from !== undefined ? ` (${from})` : ''}`);
  }
  const token = [keys.accessKeyId, keys.secretAccessKey, ...(keys.sessionToken ? [keys.sessionToken] : [])].join(':');
  return keys.expiration !== undefined ? { token, expiresAt: keys.expiration.getTime() } : { token };
}
