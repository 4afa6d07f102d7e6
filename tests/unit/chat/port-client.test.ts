import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackgroundToContent } from '../../../lib/messages.ts';
import { createPortClient, type PortClient } from '../../../lib/chat/port-client.ts';
import { FakePort } from './support/fake-port.ts';

describe('createPortClient', () => {
  let ports: FakePort[];
  let received: BackgroundToContent[];
  let connected: boolean[];
  let invalidated: number;
  let wanted: boolean;
  let failConnect: Error | undefined;
  let client: PortClient;

  beforeEach(() => {
    vi.useFakeTimers();
    ports = [];
    received = [];
    connected = [];
    invalidated = 0;
    wanted = true;
    failConnect = undefined;
    client = createPortClient({
      connect: (name) => {
        expect(name).toBe('parley:chat');
        if (failConnect) throw failConnect;
        const port = new FakePort();
        ports.push(port);
        return port;
      },
      onMessage: (message) => received.push(message),
      onConnectedChange: (value) => connected.push(value),
      onInvalidated: () => invalidated++,
      wanted: () => wanted,
      random: () => 1, // the full backoff delay, so the test knows it
    });
  });
  afterEach(() => {
    client.dispose();
    vi.useRealTimers();
  });

  it('connects lazily and says hello before anything else', () => {
    expect(ports).toHaveLength(0);
    client.post({ type: 'send', text: 'Hi' });
    expect(ports).toHaveLength(1);
    expect(ports[0]?.sent).toEqual([{ type: 'hello' }, { type: 'send', text: 'Hi' }]);
    expect(connected).toEqual([true]);
  });

  it('passes valid background messages on and ignores junk', () => {
    client.ensureConnected();
    ports[0]?.deliver({ type: 'status', status: { state: 'connected' } });
    ports[0]?.deliver({ type: 'evil' });
    ports[0]?.deliver('string');
    ports[0]?.deliver(null);
    expect(received).toEqual([{ type: 'status', status: { state: 'connected' } }]);
  });

  it('reconnects with exponential backoff while wanted and says hello again', () => {
    client.ensureConnected();
    failConnect = new Error('Could not establish connection. Receiving end does not exist.');
    ports[0]?.drop();
    expect(connected).toEqual([true, false]);
    vi.advanceTimersByTime(250); // attempt 1 after 250 ms fails
    vi.advanceTimersByTime(499);
    expect(ports).toHaveLength(1);
    failConnect = undefined;
    vi.advanceTimersByTime(1); // attempt 2 after 500 ms more
    expect(ports).toHaveLength(2);
    expect(ports[1]?.sent).toEqual([{ type: 'hello' }]);
  });

  it('does not wake the background for an idle tab, but reconnects on the next message', () => {
    client.ensureConnected();
    wanted = false;
    ports[0]?.drop();
    vi.advanceTimersByTime(60_000);
    expect(ports).toHaveLength(1);
    client.post({ type: 'cancel' });
    expect(ports).toHaveLength(2);
    expect(ports[1]?.sent).toEqual([{ type: 'hello' }, { type: 'cancel' }]);
  });

  it('queues what is posted while the port is down and sends it after hello', () => {
    client.ensureConnected();
    failConnect = new Error('Could not establish connection.');
    ports[0]?.drop();
    client.post({ type: 'send', text: 'typed while down' });
    expect(ports).toHaveLength(1);
    failConnect = undefined;
    vi.advanceTimersByTime(10_000);
    expect(ports[1]?.sent).toEqual([{ type: 'hello' }, { type: 'send', text: 'typed while down' }]);
  });

  it('stops for good when the extension context is invalidated', () => {
    client.ensureConnected();
    failConnect = new Error('Extension context invalidated.');
    ports[0]?.drop();
    vi.advanceTimersByTime(10_000);
    expect(invalidated).toBe(1);
    failConnect = undefined;
    client.post({ type: 'hello' });
    vi.advanceTimersByTime(10_000);
    expect(ports).toHaveLength(1);
  });
});
