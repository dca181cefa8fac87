// AWS STS on the simulator (docs/simulator.md#aws-sts): `POST /` with the query protocol's form body, signed with
// SigV4 by a scenario key that has an `aws_secret`. AssumeRole issues a session (an ASIA… key id, its secret and
// session token) that lives for the scenario's `sts.session`; Bedrock then takes it like a scenario key, behaving as
// the key that assumed the role, until it expires (ExpiredTokenException). GetCallerIdentity says who signed.
import type { HttpReply } from '../../errors.ts';
import type { AwsSecretEntry, AwsSecretLookup } from '../bedrock/request.ts';

interface Session {
  secret: string;
  sessionToken: string;
  /** The scenario key that assumed the role: the session behaves as it. */
  signer: string;
  role: string;
  expiresAt: number;
}

export interface StsCounts {
  /** Sessions issued by AssumeRole. */
  assumed: number;
  /** Sessions expired by `POST /_sim/sts/expire`. */
  expired: number;
}

const ACCOUNT = '123456789012';
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const xml = (status: number, body: string): HttpReply => ({ status, contentType: 'text/xml', body });

function stsError(status: number, code: string, message: string): HttpReply {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return xml(
    status,
    `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error><RequestId>sim-sts</RequestId></ErrorResponse>`,
  );
}

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class StsEndpoint {
  readonly #sessions = new Map<string, Session>();
  #counts: StsCounts = { assumed: 0, expired: 0 };
  #seq = 0;

  reset(): void {
    this.#sessions.clear();
    this.#counts = { assumed: 0, expired: 0 };
  }

  counts(): StsCounts {
    return { ...this.#counts };
  }

  /** Every session issued so far expires now, as if its hour had passed: the next call with it is refused. */
  expireAll(now: number): number {
    let n = 0;
    for (const s of this.#sessions.values())
      if (s.expiresAt > now) {
        s.expiresAt = now;
        n++;
      }
    this.#counts.expired += n;
    return n;
  }

  /** The secret and session token of an issued session, for the signature check; the scenario's keys besides. */
  lookup(scenarioKeys: AwsSecretLookup, now: () => number): AwsSecretLookup {
    return (id): AwsSecretEntry | undefined => {
      const s = this.#sessions.get(id);
      if (s === undefined) return scenarioKeys(id);
      return { secret: s.secret, sessionToken: s.sessionToken, expired: now() >= s.expiresAt };
    };
  }

  /** The scenario key a session behaves as (the one that assumed the role), or undefined for another key. */
  signerOf(id: string): string | undefined {
    return this.#sessions.get(id)?.signer;
  }

  /** One STS call, already signed by `signer` (a scenario key or a session). */
  answer(form: URLSearchParams, signer: string, sessionSeconds: number, now: number): HttpReply {
    const action = form.get('Action');
    if (action === 'GetCallerIdentity') return this.#identity(signer);
    if (action !== 'AssumeRole')
      return stsError(400, 'InvalidAction', `Could not find operation ${action ?? '(none)'} for version 2011-06-15`);
    const role = form.get('RoleArn');
    const name = form.get('RoleSessionName');
    if (role === null || !/^arn:aws:iam::\d{12}:role\/.+/.test(role))
      return stsError(400, 'ValidationError', `1 validation error detected: Value '${role ?? ''}' at 'roleArn'`);
    if (name === null || name === '')
      return stsError(400, 'ValidationError', "1 validation error detected: Value null at 'roleSessionName'");
    const asked = Number(form.get('DurationSeconds') ?? sessionSeconds);
    const [id, session] = this.issue(signer, role, Math.min(asked, sessionSeconds), now);
    const n = this.#seq;
    const roleName = role.split('/').pop() ?? role;
    return xml(
      200,
      `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${escape(session.secret)}</SecretAccessKey><SessionToken>${session.sessionToken}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROASIM:${escape(name)}</AssumedRoleId><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/${escape(roleName)}/${escape(name)}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>sim-sts-${n}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }

  /** A new session behaving as `signer` (or as the key a session signer was issued for), for `seconds`. */
  issue(signer: string, role: string, seconds: number, now: number): [string, Session] {
    const n = ++this.#seq;
    const id = `ASIASIMSTS${String(n).padStart(10, '0')}`;
    const session: Session = {
      secret: `simStsSecret/${String(n).padStart(4, '0')}+${'x'.repeat(20)}`,
      sessionToken: `IQoJsim-sts-session-token-${n}`,
      signer: this.#sessions.get(signer)?.signer ?? signer,
      role,
      expiresAt: now + seconds * 1000,
    };
    this.#sessions.set(id, session);
    this.#counts.assumed++;
    return [id, session];
  }

  /** IAM Identity Center's GetRoleCredentials (`GET /federation/credentials`, the token `aws sso login` cached in
   * `x-amz-sso_bearer_token`): a session behaving as the scenario key named like the token. */
  ssoCredentials(
    url: URL,
    token: string | undefined,
    known: (key: string) => boolean,
    seconds: number,
    now: number,
  ): HttpReply {
    const json = (status: number, value: unknown): HttpReply => ({
      status,
      contentType: 'application/json',
      body: JSON.stringify(value),
    });
    if (token === undefined || !known(token))
      return {
        ...json(401, { message: 'Session token not found or invalid' }),
        headers: { 'x-amzn-errortype': 'UnauthorizedException' },
      };
    const role = `arn:aws:iam::${url.searchParams.get('account_id') ?? ACCOUNT}:role/${url.searchParams.get('role_name') ?? 'sso'}`;
    const [id, s] = this.issue(token, role, seconds, now);
    return json(200, {
      roleCredentials: {
        accessKeyId: id,
        secretAccessKey: s.secret,
        sessionToken: s.sessionToken,
        expiration: s.expiresAt,
      },
    });
  }

  #identity(signer: string): HttpReply {
    const s = this.#sessions.get(signer);
    const arn =
      s !== undefined
        ? `arn:aws:sts::${ACCOUNT}:assumed-role/${escape(s.role.split('/').pop() ?? s.role)}/switchyard`
        : `arn:aws:iam::${ACCOUNT}:user/${escape(signer)}`;
    return xml(
      200,
      `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>${escape(signer)}</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>sim-sts</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }
}

/** AWS's refusal of an STS call's signature, in STS's XML. */
export function stsSignatureRefusal([name, message]: [string, string]): HttpReply {
  const code = name === 'UnrecognizedClientException' ? 'InvalidClientTokenId' : name.replace(/Exception$/, '');
  return stsError(403, code, message);
}
