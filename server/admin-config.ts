// The operator's side of the relay: admin token, metrics exposure, usage retention (docs/team-relay.md).
import { ConfigError } from './config.ts';
import { STRONG_TOKEN_HINT, weakTokenReason } from './tokens/token-strength.ts';

export interface AdminConfig {
  /** PARLEY_ADMIN_TOKEN; undefined = GET /admin/usage answers 404. */
  token: string | undefined;
  /** PARLEY_METRICS_PUBLIC: GET /metrics without the admin token, from loopback peers only. */
  metricsPublic: boolean;
  /** PARLEY_USAGE_DAYS: UTC days of usage kept per token, counting today. */
  usageDays: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `clientTokens` are the configured client tokens: the admin token must be none of them. */
export function readAdminConfig(env: Env, clientTokens: readonly string[]): AdminConfig {
  const token = env.PARLEY_ADMIN_TOKEN?.trim() ?? '';
  if (token !== '') {
    // Never quote the value: it is a password, and it reads every token's usage.
    if (/[^\x21-\x7e]/.test(token)) throw new ConfigError('PARLEY_ADMIN_TOKEN must be printable ASCII without spaces.');
    const weak = weakTokenReason(token);
    if (weak !== undefined) throw new ConfigError(`PARLEY_ADMIN_TOKEN is too weak: ${weak}. ${STRONG_TOKEN_HINT}`);
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
