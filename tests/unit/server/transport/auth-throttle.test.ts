import { describe, expect, it } from 'vitest';
import { createAuthThrottle } from '../../../../server/transport/auth-throttle.ts';
import type { IncomingMessage } from 'node:http';
import { clientAddress, normalizeAddress } from '../../../../server/transport/client-address.ts';

function throttle(maxAddresses?: number) {
  let t = 1_000_000;
  const th = createAuthThrottle({ maxFailures: 3, windowMs: 60_000, baseBlockMs: 10_000, maxBlockMs: 40_000, maxAddresses, now: () => t });
  return { th, advance: (ms: number) => (t += ms) };
}

describe('createAuthThrottle', () => {
  it('blocks an address after maxFailures in the window, and only that address', () => {
    const { th } = throttle();
    expect(th.recordFailureNow('10.0.0.1')).toBe(0);
    expect(th.recordFailureNow('10.0.0.1')).toBe(0);
    expect(th.blockedForNow('10.0.0.1')).toBe(0);
    expect(th.recordFailureNow('10.0.0.1')).toBe(10_000);
    expect(th.blockedForNow('10.0.0.1')).toBe(10_000);
    expect(th.blockedForNow('10.0.0.2')).toBe(0);
  });

  it('forgets failures older than the window', () => {
    const { th, advance } = throttle();
    th.recordFailureNow('a');
    th.recordFailureNow('a');
    advance(60_000);
    expect(th.recordFailureNow('a')).toBe(0);
    expect(th.blockedForNow('a')).toBe(0);
  });

  it('doubles the block for repeat offenders, capped, and forgives after a quiet period', () => {
    const { th, advance } = throttle();
    const block = () => {
      th.recordFailureNow('a');
      th.recordFailureNow('a');
      return th.recordFailureNow('a');
    };
    expect(block()).toBe(10_000);
    advance(10_000);
    expect(th.blockedForNow('a')).toBe(0);
    expect(block()).toBe(20_000);
    advance(20_000);
    expect(block()).toBe(40_000);
    advance(40_000);
    expect(block()).toBe(40_000);
    // Quiet for longer than the longest block and the window: a fresh start.
    advance(40_000 + 60_000);
    expect(block()).toBe(10_000);
  });

  it('keeps memory bounded, forgetting the least recently failing addresses', () => {
    const { th } = throttle(100);
    for (let i = 0; i < 1000; i++) th.recordFailureNow(`10.0.${i >> 8}.${i & 255}`);
    expect(th.size()).toBe(100);
  });
});

describe('normalizeAddress', () => {
  it('treats IPv4-mapped IPv6 as IPv4 and groups IPv6 by /64', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(normalizeAddress('[2001:DB8::1]')).toBe('2001:db8:0:0::/64');
    expect(normalizeAddress('::1')).toBe('0:0:0:0::/64');
  });
});

describe('clientAddress', () => {
  const req = (remoteAddress: string, forwarded?: string) =>
    ({ socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

  it('ignores X-Forwarded-For unless the relay is told it sits behind a proxy, then takes the last entry', () => {
    expect(clientAddress(req('::ffff:10.1.1.1', '1.2.3.4'), false)).toBe('10.1.1.1');
    expect(clientAddress(req('127.0.0.1', 'spoofed, 203.0.113.7'), true)).toBe('203.0.113.7');
    expect(clientAddress(req('127.0.0.1'), true)).toBe('127.0.0.1');
  });
});
