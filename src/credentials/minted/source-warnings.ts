// A provider's cloud credentials that are not there — an AWS profile in neither shared file, a Google key file that
// does not exist — fail every mint, and the first request would be the first to say so. Said instead by `config
// check`, at gateway start and on each reload, from the same spec a mint reads.
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../../config/types.ts';
import { awsProfileOf } from './aws-profile.ts';
import { mintedSource, type MintedSource } from './spec.ts';

/** What is missing for one source, or undefined when nothing is (or it cannot be told before minting). */
async function missing(source: MintedSource): Promise<string | undefined> {
  const spec = source.spec;
  if (spec.kind === 'aws') {
    const profile = await awsProfileOf(spec);
    return profile?.missing === true ? `${profile.from}, so no AWS credentials` : undefined;
  }
  if (spec.kind === 'oauth2' && spec.grant === 'jwt_bearer' && spec.serviceAccountFile !== undefined) {
    // Application Default Credentials with no file go on to the metadata server, as Google's libraries do.
    if (spec.metadataFallback !== undefined || existsSync(spec.serviceAccountFile)) return undefined;
    return `the Google key file ${spec.serviceAccountFile} does not exist`;
  }
  return undefined;
}

/** One warning per provider whose AWS profile or Google key file is not there. */
export async function cloudCredentialWarnings(loaded: LoadedConfig): Promise<string[]> {
  const out: string[] = [];
  for (const [provider, p] of Object.entries(loaded.config.providers)) {
    if (p.aws_credentials === undefined && p.google_credentials === undefined) continue;
    const source = mintedSource(loaded, provider, `providers.${provider}`, p);
    if (source === undefined) continue;
    const why = await missing(source);
    if (why !== undefined) out.push(`${source.where}: ${why}: every call through ${provider} would fail`);
  }
  return out;
}
