import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { weakTokenReason } from '../../../../server/tokens/token-strength.ts';

describe('weakTokenReason', () => {
  it.each([
    ['x'.repeat(31), /shorter than 32/],
    ['ab'.repeat(20), /repeated/],
    ['k9Xq'.repeat(10), /repeated/],
    ['0123456789012345678901234567890123', /common word "12345678"/],
    ['our-team-password-for-the-parley-relay', /common word "password"/],
    ['SuperSecretValueForOurTeam-2026-11-30', /common word "secret"/],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbcccdd', /fewer than 8 different/],
    [`${'a'.repeat(40)}QzXwVuTsR`, /too predictable/],
  ])('refuses %s', (token, reason) => {
    expect(weakTokenReason(token)).toMatch(reason);
  });

  it('accepts random tokens in the usual encodings', () => {
    for (let i = 0; i < 2000; i++) {
      expect(weakTokenReason(randomBytes(32).toString('base64url'))).toBeUndefined();
      expect(weakTokenReason(randomBytes(16).toString('hex'))).toBeUndefined();
      expect(weakTokenReason(randomBytes(24).toString('base64'))).toBeUndefined();
    }
  });
});
