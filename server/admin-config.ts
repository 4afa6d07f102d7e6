// The operator's side of the relay: admin token, metrics exposure, usage retention (docs/team-relay.md).
import { ConfigError } from './config.ts';

export interface AdminConfig {
  /** PARLEY_ADMIN_TOKEN; undefined = GET /admin/usage answers 404. */
  token: string | undefined;
  /** PARLEY_METRICS_PUBLIC: GET /metrics without the admin token, from loopback peers only. */
  metricsPublic: boolean;
  /** PARLEY_USAGE_DAYS: UTC days of usage kept per token, counting today. */
  usageDays: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const MIN_ADMIN_TOKEN_CHARS = 24;

/** `clientTokens` are the configured client tokens: the admin token must be none of them. */
export function readAdminConfig(env: Env, clientTokens: readonly string[]): AdminConfig {
  const token = env.PARLEY_ADMIN_TOKEN?.trim() ?? '';
  if (token !== '') {
    // Never quote the value: it is a password.
    if (token.length < MIN_ADMIN_TOKEN_CHARS || /[^\x21-\x7e]/.test(token))
      throw new ConfigError(`PARLEY_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_CHARS} printable ASCII characters without spaces (try: openssl rand -base64 32).`);
    if (clientTokens.includes(token))
      throw new ConfigError('PARLEY_ADMIN_TOKEN must differ from every client token (PARLEY_TOKEN, PARLEY_TOKENS).');
  }
  const rawPublic = env.PARLEY_METRICS_PUBLIC?.trim().toLowerCase() ?? '';
  if (!['', '0', '1', 'true', 'false', 'yes', 'no'].includes(rawPublic))
    throw new ConfigError(`PARLEY_METRICS_PUBLIC must be 0 or 1 (got "${rawPublic}").`);
  const rawDays = env.PARLEY_USAGE_DAYS?.trim() ?? '';
  if (rawDays !== '' && (!/^\d+$/.test(rawDays) || Number(rawDays) < 1 || Number(rawDays) > 3660))
    throw new ConfigError(`PARLEY_USAGE_DAYS must be a whole number of days between 1 and 3660 (got "${rawDays}").`);
  return {
    token: token === '' ? undefined : token,
    metricsPublic: ['1', 'true', 'yes'].includes(rawPublic),
    usageDays: rawDays === '' ? 90 : Number(rawDays),
  };
}
