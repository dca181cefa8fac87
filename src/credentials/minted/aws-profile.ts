// What an AWS profile holds, as `auth explain` and `auth list` say it before anything is minted: a role assumed with
// another profile's keys, static keys (by access key id), SSO, a credential process, a web identity — read from the
// shared files with Smithy's own loader (the one the SDK's providers read), never a secret.
import { mask } from '../../config/mask.ts';
import type { AwsSpec } from './spec.ts';

type Profile = Record<string, string | undefined>;

/** A profile that signs in with SSO itself (IAM Identity Center: `sso_session`, or the legacy `sso_start_url`). */
const isSso = (p: Profile | undefined): boolean =>
  p !== undefined && (p['sso_session'] !== undefined || p['sso_start_url'] !== undefined);

async function profilesOf(spec: AwsSpec): Promise<Record<string, Profile> | undefined> {
  try {
    // Smithy's loader is imported when a profile is first read: most gateways have none.
    const { parseKnownFiles } = await import('@smithy/core/config');
    return await parseKnownFiles({
      ...(spec.profile !== undefined ? { profile: spec.profile } : {}),
      ...(spec.credentialsFile !== undefined ? { filepath: spec.credentialsFile } : {}),
      ...(spec.configFile !== undefined ? { configFilepath: spec.configFile } : {}),
      ignoreCache: true,
    });
  } catch {
    return undefined;
  }
}

/** Whether the profile signs in with SSO itself (`self`), or assumes a role with a source_profile that does
 * (`source`). The SDK hands its SSO client the settings it gives STS, so an STS endpoint must not be given then
 * (AWS_ENDPOINT_URL_SSO is SSO's); and its profile chain reads an SSO profile from the default files only. */
export async function awsSsoIn(spec: AwsSpec): Promise<'self' | 'source' | undefined> {
  const profiles = await profilesOf(spec);
  if (profiles === undefined) return undefined;
  const seen = new Set<string>();
  for (let name: string | undefined = spec.profile ?? 'default'; name !== undefined && !seen.has(name);) {
    seen.add(name);
    const p: Profile | undefined = profiles[name];
    if (p === undefined) return undefined;
    if (isSso(p)) return seen.size === 1 ? 'self' : 'source';
    name = p['source_profile'];
  }
  return undefined;
}

/** A role assumed in turn, as its profile writes it. */
export interface AwsRole {
  profile: string;
  roleArn: string;
  sessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  /** The role profile's `region`: where its STS call is signed for. */
  region?: string;
  mfaSerial?: string;
}

/** A profile assuming a role whose source_profile (directly, or through other roles) signs in with SSO: the SSO
 * profile, and the roles to assume with its credentials, innermost first. Undefined for any other profile. */
export async function awsSsoSourcedRoles(spec: AwsSpec): Promise<{ ssoProfile: string; roles: AwsRole[] } | undefined> {
  const profiles = await profilesOf(spec);
  if (profiles === undefined) return undefined;
  const roles: AwsRole[] = [];
  const seen = new Set<string>();
  for (let name: string | undefined = spec.profile ?? 'default'; name !== undefined && !seen.has(name);) {
    seen.add(name);
    const p: Profile | undefined = profiles[name];
    if (p === undefined) return undefined;
    if (isSso(p)) return roles.length > 0 ? { ssoProfile: name, roles: roles.reverse() } : undefined;
    const roleArn = p['role_arn'];
    if (roleArn === undefined) return undefined;
    roles.push(roleOf(name, roleArn, p));
    name = p['source_profile'];
  }
  return undefined;
}

function roleOf(profile: string, roleArn: string, p: Profile): AwsRole {
  const role: AwsRole = { profile, roleArn };
  if (p['role_session_name'] !== undefined) role.sessionName = p['role_session_name'];
  if (p['external_id'] !== undefined) role.externalId = p['external_id'];
  if (p['duration_seconds'] !== undefined) role.durationSeconds = Number.parseInt(p['duration_seconds'], 10);
  if (p['region'] !== undefined) role.region = p['region'];
  if (p['mfa_serial'] !== undefined) role.mfaSerial = p['mfa_serial'];
  return role;
}

/** Where the profile's session comes from, in a few words, and `missing` when the profile is in neither file;
 * undefined for the default chain, which has no profile. */
export async function awsProfileOf(spec: AwsSpec): Promise<{ from: string; missing: boolean } | undefined> {
  if (spec.profile === undefined) return undefined;
  const profiles = await profilesOf(spec);
  if (profiles === undefined) return undefined;
  const p = profiles[spec.profile];
  if (p === undefined) return { from: `profile ${spec.profile} is in neither ${filesOf(spec)}`, missing: true };
  return { from: holds(p, spec, profiles), missing: false };
}

/** awsProfileOf's words. */
export async function awsProfileFrom(spec: AwsSpec): Promise<string | undefined> {
  return (await awsProfileOf(spec))?.from;
}

const filesOf = (spec: AwsSpec): string =>
  `${spec.configFile ?? '~/.aws/config'} nor ${spec.credentialsFile ?? '~/.aws/credentials'}`;

/** An access key id names the keys without being secret: shown as mask() shows a credential holding it. */
const keyIdShown = (id: string): string =>
  /^A[KS]IA[A-Z0-9]{12,}$/.test(id) ? `${id.slice(0, 4)}…${id.slice(-4)}` : mask(id);

/** The first way the SDK would take, in its own order (role, SSO, web identity, process, static keys). */
function holds(p: Profile, spec: AwsSpec, profiles: Record<string, Profile>): string {
  const sts = `STS ${spec.stsEndpoint !== undefined ? `at ${spec.stsEndpoint}` : "at AWS's regional endpoint"}`;
  if (p['role_arn'] !== undefined) {
    const source = p['source_profile'];
    const ssoSource = source !== undefined && isSso(profiles[source]);
    const by =
      source !== undefined
        ? `profile ${source}'s ${ssoSource ? 'SSO credentials (`aws sso login` renews its session)' : 'keys'}`
        : p['credential_source'] !== undefined
          ? `the ${p['credential_source']}'s keys`
          : 'no source (set source_profile or credential_source)';
    return `role ${p['role_arn']} assumed with ${by} (${sts})`;
  }
  if (p['web_identity_token_file'] !== undefined) return `a web identity token file, exchanged at ${sts}`;
  if (isSso(p))
    return `SSO${p['sso_account_id'] !== undefined ? ` account ${p['sso_account_id']}` : ''}${p['sso_role_name'] !== undefined ? ` role ${p['sso_role_name']}` : ''}: \`aws sso login\` renews its session`;
  if (p['credential_process'] !== undefined) return 'a credential_process';
  if (p['aws_access_key_id'] !== undefined)
    return `keys ${keyIdShown(p['aws_access_key_id'])}${p['aws_session_token'] !== undefined ? ' with a session token' : ''}`;
  return 'no credentials (no keys, role_arn, SSO or credential_process)';
}
