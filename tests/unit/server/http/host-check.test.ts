import { describe, expect, it } from 'vitest';
import { createHostCheck, defaultAllowedHosts, hostName } from '../../../../server/http/host-check.ts';

describe('hostName', () => {
  it.each([
    ['localhost:3001', 'localhost'],
    ['Relay.Example.COM.', 'relay.example.com'],
    ['[::1]:3001', '::1'],
    ['[::1]', '::1'],
    ['127.0.0.1:80', '127.0.0.1'],
  ])('%s → %s', (header, name) => expect(hostName(header)).toBe(name));
});

describe('createHostCheck', () => {
  it('answers loopback names, the bind host and IP literals by default, and refuses other names', () => {
    const check = createHostCheck(defaultAllowedHosts('relay.lan'));
    for (const host of ['localhost:3001', 'relay.lan:3002', '127.0.0.1:3001', '[::1]:3002', '10.0.0.7']) expect(check(host)).toBe(true);
    for (const host of ['evil.example:3001', 'localhost.evil.example', 'relay.lan.evil.example', '', undefined]) expect(check(host)).toBe(false);
  });

  it('uses only the configured names when given, and never a wildcard bind address', () => {
    expect(defaultAllowedHosts('0.0.0.0')).toEqual(['localhost']);
    const check = createHostCheck(['parley.example.com']);
    expect(check('parley.example.com:443')).toBe(true);
    expect(check('localhost:3001')).toBe(false);
  });
});
