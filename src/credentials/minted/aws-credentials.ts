// AWS keys for a Bedrock provider from a named profile or the SDK's default chain (environment, SSO, the shared
// files, a role assumed with STS, a credential process, container and instance metadata), with the SDK's own
// providers. The token is the keys as one string (`ACCESS_KEY_ID:SECRET:SESSION_TOKEN`, providers/bedrock/sign.ts) and lives until the session expires;
// the files are read afresh at each mint, so a session renewed by `aws sso login` or a rotated profile is found.
import type { fromSSO } from '@aws-sdk/credential-provider-sso';
import { MintError } from './mint-error.ts';
import { awsProfileFrom, awsSsoIn, awsSsoSourcedRoles } from './aws-profile.ts';
import type { AwsSpec } from './spec.ts';

/** The SDK's providers, imported by the first mint: ~2 MiB of heap that a gateway without AWS credentials never
 * needs and that every full collection would mark again. */
interface AwsSdk {
  defaultProvider: typeof import('@aws-sdk/credential-provider-node').defaultProvider;
  fromSSO: typeof fromSSO;
  getDefaultRoleAssumer: typeof import('@aws-sdk/nested-clients/sts').getDefaultRoleAssumer;
}
let sdk: Promise<AwsSdk> | undefined;

function awsSdk(): Promise<AwsSdk> {
  sdk ??= Promise.all([
    import('@aws-sdk/credential-provider-node'),
    import('@aws-sdk/credential-provider-sso'),
    import('@aws-sdk/nested-clients/sts'),
  ]).then(([node, sso, sts]) => ({
    defaultProvider: node.defaultProvider,
    fromSSO: sso.fromSSO,
    getDefaultRoleAssumer: sts.getDefaultRoleAssumer,
  }));
  return sdk;
}

export interface AwsToken {
  token: string;
  expiresAt?: number;
}

type Keys = Awaited<ReturnType<ReturnType<typeof fromSSO>>>;
type Files = { filepath?: string; configFilepath?: string };

/** A role whose source profile signs in with SSO. The SDK's profile chain cannot take it from a config file it is
 * given: it reads the SSO profile from the default files only, and hands SSO the STS endpoint. So it is walked here:
 * the SSO profile's role credentials from the SSO provider, then each role assumed in turn at STS (the spec's
 * endpoint, else AWS's regional one) with the keys before it, by the SDK's own STS client. */
async function ssoSourcedRole(spec: AwsSpec, files: Files, source: string): Promise<Keys> {
  const { fromSSO, getDefaultRoleAssumer } = await awsSdk();
  const found = await awsSsoSourcedRoles(spec);
  if (found === undefined) throw new MintError(source, 'refused', `no AWS credentials: ${await awsProfileFrom(spec)}`);
  let keys: Keys = await fromSSO({ profile: found.ssoProfile, ...files })();
  for (const role of found.roles) {
    if (role.mfaSerial !== undefined)
      throw new MintError(
        source,
        'refused',
        `profile ${role.profile} assumes its role with MFA (mfa_serial), which a gateway cannot prompt for; use a role without MFA, or mint the session yourself (aws sts assume-role) into a profile`,
      );
    const assume = getDefaultRoleAssumer({
      region: role.region ?? 'us-east-1',
      ...(spec.stsEndpoint !== undefined ? { endpoint: spec.stsEndpoint } : {}),
    });
    keys = await assume(keys, {
      RoleArn: role.roleArn,
      RoleSessionName: role.sessionName ?? `switchyard-${Date.now()}`,
      ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      ...(role.durationSeconds !== undefined ? { DurationSeconds: role.durationSeconds } : {}),
    });
  }
  return keys;
}

export async function awsKeys(spec: AwsSpec, source: string): Promise<AwsToken> {
  const { defaultProvider, fromSSO } = await awsSdk();
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
      : sso === 'source'
        ? () => ssoSourcedRole(spec, files, source)
        : defaultProvider({
            ignoreCache: true,
            ...(spec.profile !== undefined ? { profile: spec.profile } : {}),
            ...files,
            // A profile's role_arn is assumed at this STS (its source_profile's keys sign the AssumeRole call).
            ...(sts !== undefined ? { clientConfig: { endpoint: sts } } : {}),
          });
  let keys: Keys;
  try {
    keys = await chain();
  } catch (err) {
    if (err instanceof MintError) throw err;
    // The SDK's message names what it looked for (a profile, a file), never a secret.
    const said = err instanceof Error ? err.message.split('\n')[0] : String(err);
    // The SDK's "Could not load credentials from any providers" does not say the profile is missing: said here.
    const from = await awsProfileFrom(spec);
    throw new MintError(source, 'refused', `no AWS credentials: ${said}${from !== undefined ? ` (${from})` : ''}`);
  }
  const token = [keys.accessKeyId, keys.secretAccessKey, ...(keys.sessionToken ? [keys.sessionToken] : [])].join(':');
  return keys.expiration !== undefined ? { token, expiresAt: keys.expiration.getTime() } : { token };
}
