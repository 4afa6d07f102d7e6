import { describe, expect, it } from 'vitest';
import { readAdminConfig } from '../../../server/admin-config.ts';
import { ConfigError, loadConfig } from '../../../server/config.ts';

const ADMIN = 'admin-Hbrc3BMtK3gMwjZc_qvULntm8Lq6YJzr';
const CLIENT = 'client-zkFUSO8hZT0Kjz-QVDAiEdt6p9MuBKa_';

describe('admin configuration', () => {
  it('is off by default: no admin token, metrics closed, 90 days of usage', () => {
    expect(readAdminConfig({}, [])).toEqual({ token: undefined, metricsPublic: false, usageDays: 90 });
  });

  it('reads the admin token, metrics exposure and retention', () => {
    expect(readAdminConfig({ PARLEY_ADMIN_TOKEN: ADMIN, PARLEY_METRICS_PUBLIC: '1', PARLEY_USAGE_DAYS: '7' }, [CLIENT])).toEqual({
      token: ADMIN,
      metricsPublic: true,
      usageDays: 7,
    });
  });

  it('refuses a weak admin token without quoting it', () => {
    const attempt = () => readAdminConfig({ PARLEY_ADMIN_TOKEN: 'short-secret' }, []);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/too weak/);
    expect(attempt).not.toThrow(/short-secret/);
    expect(() => readAdminConfig({ PARLEY_ADMIN_TOKEN: `${ADMIN} with spaces` }, [])).toThrow(ConfigError);
  });

  it('refuses an admin token that is also a client token', () => {
    expect(() => readAdminConfig({ PARLEY_ADMIN_TOKEN: CLIENT }, [CLIENT])).toThrow(/differ from every client token/);
    expect(() => loadConfig({ OPENAI_API_KEY: 'sk-x', PARLEY_TOKENS: ADMIN, PARLEY_ADMIN_TOKEN: ADMIN })).toThrow(/differ/);
  });

  it('refuses malformed switches and day counts', () => {
    expect(() => readAdminConfig({ PARLEY_METRICS_PUBLIC: 'maybe' }, [])).toThrow(/PARLEY_METRICS_PUBLIC/);
    for (const days of ['0', '-1', 'ten', '99999']) expect(() => readAdminConfig({ PARLEY_USAGE_DAYS: days }, [])).toThrow(/PARLEY_USAGE_DAYS/);
  });

  it('is part of the relay configuration', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-x', PARLEY_ADMIN_TOKEN: ADMIN }).admin.token).toBe(ADMIN);
  });
});
