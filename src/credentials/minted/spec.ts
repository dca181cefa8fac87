// A minted key's config as a self-contained source: all a mint needs, so the minter never reads the config, and an
// identity naming the source, so a rotating token keeps one health record (docs/credentials.md#minted-credentials).
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  DEFAULT_MINT_WAIT_MS,
  type KeyCommandConfig,
  type McpLoginConfig,
  type OAuth2Config,
} from '../../config/schema.ts';
import { stateHome } from '../../config/home.ts';
import { loginPath } from './login-path.ts';
import type { LoadedConfig } from '../../config/types.ts';
import { credentialVariable, envValue } from '../../config/local-env.ts';
import { fingerprint } from '../../config/mask.ts';
import { chooseProxy, type ProxyChoice } from '../../config/proxy.ts';

export type MintedKind = 'file' | 'command' | 'oauth2' | 'aws' | 'login';

export interface FileSpec {
  kind: 'file';
  /** Absolute. */
  path: string;
}

export interface CommandSpec {
  kind: 'command';
  /** Run as it is (an argv list), or by `sh -c` (a string). */
  run: string[] | string;
  timeoutMs: number;
  /** How long a bare token is used; undefined: until it is rejected. */
  ttlMs?: number;
  /** The child's whole environment: the minimal one plus the named variables (command.ts). */
  env: Record<string, string>;
  /** Where the command runs: the config's directory. */
  cwd: string;
}

export interface OAuth2Spec {
  kind: 'oauth2';
  tokenUrl: string;
  /** `jwt_bearer`: a Google service account's signed assertion (google-jwt.ts), from `serviceAccountFile`.
   * `gce_metadata`: the instance's service account, a GET of `tokenUrl` on the metadata server. */
  grant: 'client_credentials' | 'refresh_token' | 'jwt_bearer' | 'gce_metadata';
  /** The service account's key file (absolute), read at each mint: its `token_uri` is where the token is asked. */
  serviceAccountFile?: string;
  /** Application Default Credentials with no file there: the metadata server's token URL, asked instead (as Google's
   * libraries do on Compute Engine, Cloud Run, GKE). */
  metadataFallback?: string;
  clientId: string;
  clientSecret?: string;
  scope?: string;
  audience?: string;
  /** The configured first refresh token, or the file holding it (absolute). */
  refreshToken?: string;
  refreshTokenFile?: string;
  clientAuth: 'body' | 'basic';
  timeoutMs: number;
  /** The proxy the provider's own calls would take to the token URL's host (its `proxy:`, else HTTPS_PROXY and
   * NO_PROXY as for its base URL): a network that needs a proxy for the API needs it for the token too. */
  proxy?: ProxyChoice;
}

/** AWS keys from a profile or the SDK's default chain (aws-credentials.ts). */
export interface AwsSpec {
  kind: 'aws';
  profile?: string;
  /** AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE from the environment, else the config's .env (credentialVariable). */
  credentialsFile?: string;
  configFile?: string;
  /** Where a profile's `role_arn` is assumed: AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL), read as the files are, for a
   * VPC endpoint or a test's simulator; unset, the SDK's regional STS endpoint. */
  stsEndpoint?: string;
  timeoutMs: number;
}

/** An MCP server's `login:`: the tokens `switchyard auth login SERVER` stored, refreshed at the authorization server
 * it found (login.ts). */
export interface LoginSpec {
  kind: 'login';
  /** The MCP server's name: the command every failure names. */
  server: string;
  /** Its URL in the config: a login stored for another URL is not used. */
  serverUrl: string;
  /** The stored login (absolute, login-file.ts). */
  file: string;
  timeoutMs: number;
}

export type MintedSpec = FileSpec | CommandSpec | OAuth2Spec | AwsSpec | LoginSpec;

export interface MintedSource {
  provider: string;
  spec: MintedSpec;
  /** The source's identity, hashed: the credential's fingerprint and so its health record, whatever token it gives. */
  id: string;
  /** Everything the mint depends on, hashed (secrets included, never kept as they are): a token cached for another
   * version of the source (a new client secret, another passthrough value) is not used. */
  version: string;
  /** The setting: `providers.vertex.api_key_command`. */
  where: string;
  /** For people: `command gcloud`, `file /run/secrets/openai`, `oauth2 client app at login.example.com`. */
  describe: string;
  /** How long a request waits for a token before moving on (`mint_wait`); the mint itself goes on. */
  waitMs: number;
}

/** The settings a minted source is written in, on a provider or a task. */
export interface MintedFields {
  api_key_file?: string | undefined;
  api_key_command?: KeyCommandConfig | undefined;
  oauth2?: OAuth2Config | undefined;
  /** A provider's Google service-account key file. */
  google_credentials?: string | undefined;
  /** A Bedrock provider's AWS profile, or the default chain. */
  aws_credentials?: 'default_chain' | { profile: string } | undefined;
  mint_wait?: number | undefined;
}

/** Variables a command gets whatever it names: where it finds its tools, its home and its locale; none holds a secret. */
export const MINIMAL_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
];

/** The source written at `slot` (`providers.P` or `auxiliary.T`), if any. */
export function mintedSource(
  loaded: LoadedConfig,
  provider: string,
  slot: string,
  fields: MintedFields,
): MintedSource | undefined {
  const source = sourceOf(loaded, provider, slot, fields);
  return source === undefined ? undefined : { ...source, waitMs: fields.mint_wait ?? DEFAULT_MINT_WAIT_MS };
}

function sourceOf(
  loaded: LoadedConfig,
  provider: string,
  slot: string,
  fields: MintedFields,
): Omit<MintedSource, 'waitMs'> | undefined {
  if (fields.api_key_file !== undefined)
    return fileSource(loaded, provider, `${slot}.api_key_file`, fields.api_key_file);
  if (fields.api_key_command !== undefined)
    return commandSource(loaded, provider, `${slot}.api_key_command`, fields.api_key_command);
  if (fields.oauth2 !== undefined) return oauth2Source(loaded, provider, `${slot}.oauth2`, fields.oauth2);
  if (fields.google_credentials !== undefined)
    return googleSource(loaded, provider, `${slot}.google_credentials`, fields.google_credentials);
  if (fields.aws_credentials !== undefined)
    return awsSource(loaded, provider, `${slot}.aws_credentials`, fields.aws_credentials);
  return undefined;
}

function awsSource(
  loaded: LoadedConfig,
  provider: string,
  where: string,
  c: 'default_chain' | { profile: string },
): Omit<MintedSource, 'waitMs'> {
  const spec: AwsSpec = { kind: 'aws', timeoutMs: 30_000 };
  if (c !== 'default_chain') spec.profile = c.profile;
  const credentialsFile = credentialVariable(loaded, 'AWS_SHARED_CREDENTIALS_FILE');
  const configFile = credentialVariable(loaded, 'AWS_CONFIG_FILE');
  if (credentialsFile !== undefined) spec.credentialsFile = credentialsFile;
  if (configFile !== undefined) spec.configFile = configFile;
  const sts = credentialVariable(loaded, 'AWS_ENDPOINT_URL_STS') || credentialVariable(loaded, 'AWS_ENDPOINT_URL');
  if (sts) spec.stsEndpoint = sts;
  const id = hashed('aws', [spec.profile ?? '', credentialsFile ?? '', configFile ?? '', sts ?? '']);
  const describe = spec.profile === undefined ? 'aws default credential chain' : `aws profile ${spec.profile}`;
  return { provider, spec, id, version: id, where, describe };
}

/** Google's token endpoint, where a key file without `token_uri` sends its assertion. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Vertex AI takes the cloud-platform scope. */
export const GOOGLE_CLOUD_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The metadata server's token for the instance's default service account; GCE_METADATA_HOST moves it (as Google's
 * libraries honour it: an emulator, a test's simulator). */
function metadataTokenUrl(loaded: LoadedConfig): string {
  const host = credentialVariable(loaded, 'GCE_METADATA_HOST') || 'metadata.google.internal';
  return `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`;
}

/** `google_credentials: metadata`: the token of the instance's service account, from the metadata server. */
function metadataSource(loaded: LoadedConfig, provider: string, where: string): Omit<MintedSource, 'waitMs'> {
  const tokenUrl = metadataTokenUrl(loaded);
  const spec: OAuth2Spec = {
    kind: 'oauth2',
    tokenUrl,
    grant: 'gce_metadata',
    clientId: '',
    clientAuth: 'body',
    timeoutMs: 30_000,
  };
  const id = hashed('oauth2', ['google-metadata', tokenUrl]);
  return { provider, spec, id, version: id, where, describe: `google metadata server ${new URL(tokenUrl).host}` };
}

/** `adc`: Application Default Credentials' file, where Google's libraries look for it. */
function adcPath(loaded: LoadedConfig): string {
  const named = credentialVariable(loaded, 'GOOGLE_APPLICATION_CREDENTIALS');
  if (named !== undefined && named !== '') return named;
  const home = envValue(loaded, 'HOME') ?? homedir();
  return join(home, '.config', 'gcloud', 'application_default_credentials.json');
}

/** A service-account key file, minted like an oauth2 source (one flight, shared, cached until shortly before
 * expiry) with the jwt-bearer grant. */
function googleSource(
  loaded: LoadedConfig,
  provider: string,
  where: string,
  path: string,
): Omit<MintedSource, 'waitMs'> {
  if (path === 'metadata') return metadataSource(loaded, provider, where);
  const abs = path === 'adc' ? adcPath(loaded) : isAbsolute(path) ? path : resolve(loaded.dir, path);
  const spec: OAuth2Spec = {
    kind: 'oauth2',
    tokenUrl: GOOGLE_TOKEN_URL,
    grant: 'jwt_bearer',
    clientId: '',
    scope: GOOGLE_CLOUD_SCOPE,
    serviceAccountFile: abs,
    clientAuth: 'body',
    timeoutMs: 30_000,
  };
  // ADC's last resort, as Google's libraries have it: no file named, none from gcloud → the instance's account.
  if (path === 'adc' && !credentialVariable(loaded, 'GOOGLE_APPLICATION_CREDENTIALS'))
    spec.metadataFallback = metadataTokenUrl(loaded);
  const proxy = chooseProxy(
    provider,
    loaded.config.providers[provider]?.proxy,
    GOOGLE_TOKEN_URL,
    loaded.env,
    loaded.dotenv,
  );
  if (proxy !== undefined) spec.proxy = proxy;
  const id = hashed('oauth2', ['google', abs]);
  const what = path === 'adc' ? 'google application default credentials' : 'google service account';
  return { provider, spec, id, version: hashed('oauth2', [spec]), where, describe: `${what} ${abs}` };
}

/** An MCP server's `login:` as a minted source: the file `auth login` writes, under the state directory. */
export function loginSource(
  loaded: LoadedConfig,
  provider: string,
  slot: string,
  server: { name: string; url: string; login: McpLoginConfig; mint_wait?: number | undefined },
): MintedSource {
  const file = loginPath(stateHome({ ...loaded.env }), server.name);
  const spec: LoginSpec = {
    kind: 'login',
    server: server.name,
    serverUrl: server.url,
    file,
    timeoutMs: server.login.timeout,
  };
  const id = hashed('login', [server.name, server.url, file]);
  return {
    provider,
    spec,
    id,
    version: hashed('login', [spec]),
    where: `${slot}.login`,
    describe: `login to ${hostOf(server.url)} (switchyard auth login ${server.name})`,
    waitMs: server.mint_wait ?? DEFAULT_MINT_WAIT_MS,
  };
}

function hashed(kind: MintedKind, parts: readonly unknown[]): string {
  return fingerprint(`minted\u0000${kind}\u0000${JSON.stringify(parts)}`);
}

function fileSource(loaded: LoadedConfig, provider: string, where: string, path: string): Omit<MintedSource, 'waitMs'> {
  const abs = isAbsolute(path) ? path : resolve(loaded.dir, path);
  const id = hashed('file', [abs]);
  return { provider, spec: { kind: 'file', path: abs }, id, version: id, where, describe: `file ${abs}` };
}

/** The first word of the command, for messages: never its arguments, which may hold a secret's name or more. */
export function commandWord(run: string[] | string): string {
  const first = Array.isArray(run) ? (run[0] ?? '') : (run.trim().split(/\s+/)[0] ?? '');
  return first.split('/').pop() || first;
}

function commandSource(
  loaded: LoadedConfig,
  provider: string,
  where: string,
  c: KeyCommandConfig,
): Omit<MintedSource, 'waitMs'> {
  const env: Record<string, string> = {};
  for (const name of [...MINIMAL_ENV, ...c.env]) {
    const value = c.env.includes(name) ? credentialVariable(loaded, name) : envValue(loaded, name);
    if (value !== undefined) env[name] = value;
  }
  const spec: CommandSpec = { kind: 'command', run: c.run, timeoutMs: c.timeout, env, cwd: loaded.dir };
  if (c.ttl !== undefined) spec.ttlMs = c.ttl;
  const id = hashed('command', [c.run, [...c.env].sort()]);
  const version = hashed('command', [c.run, env, c.ttl, c.timeout, loaded.dir]);
  const shell = Array.isArray(c.run) ? '' : ' (run by sh -c)';
  return { provider, spec, id, version, where, describe: `command ${commandWord(c.run)}${shell}` };
}

function oauth2Source(
  loaded: LoadedConfig,
  provider: string,
  where: string,
  o: OAuth2Config,
): Omit<MintedSource, 'waitMs'> {
  const hasRefresh = o.refresh_token !== undefined || o.refresh_token_file !== undefined;
  const spec: OAuth2Spec = {
    kind: 'oauth2',
    tokenUrl: o.token_url,
    grant: o.grant ?? (hasRefresh ? 'refresh_token' : 'client_credentials'),
    clientId: o.client_id,
    clientAuth: o.client_auth,
    timeoutMs: o.timeout,
  };
  if (o.client_secret !== undefined) spec.clientSecret = o.client_secret;
  if (o.scope !== undefined && o.scope !== '') spec.scope = o.scope;
  if (o.audience !== undefined) spec.audience = o.audience;
  if (o.refresh_token !== undefined) spec.refreshToken = o.refresh_token.trim();
  const proxy = chooseProxy(provider, loaded.config.providers[provider]?.proxy, o.token_url, loaded.env, loaded.dotenv);
  if (proxy !== undefined) spec.proxy = proxy;
  if (o.refresh_token_file !== undefined)
    spec.refreshTokenFile = isAbsolute(o.refresh_token_file)
      ? o.refresh_token_file
      : resolve(loaded.dir, o.refresh_token_file);
  const id = hashed('oauth2', [spec.tokenUrl, spec.clientId, spec.grant, spec.scope ?? '', spec.audience ?? '']);
  const version = hashed('oauth2', [spec]);
  return { provider, spec, id, version, where, describe: `oauth2 client ${o.client_id} at ${hostOf(o.token_url)}` };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
