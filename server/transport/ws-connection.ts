// Binds one accepted socket to its protocol handler: frames in, frames out, lifetime.
import type { RawData, WebSocket } from 'ws';
import type { Dialect } from '../../protocol/index.ts';
import { createClientConnection, type ClientConnection } from '../session/client-connection.ts';
import type { RelayContext } from '../session/relay-context.ts';
import { createFrameSender } from './frame-sender.ts';

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export function attachConnection(ctx: RelayContext, ws: WebSocket, dialect: Dialect, tokenId: string, maxBufferedBytes: number): ClientConnection {
  const sender = createFrameSender(ws, dialect, {
    maxBufferedBytes,
    redact: ctx.logger.redact,
    onOverflow: () => connection.close('slow-consumer'),
  });
  const connection = createClientConnection(ctx, dialect, tokenId, sender.send);
  ws.on('message', (data, isBinary) => connection.handleFrame(toBytes(data), isBinary));
  ws.on('close', () => connection.close('disconnect'));
  ws.on('error', (error) => {
    // ws reports protocol violations (e.g. a frame over maxPayload → 1009) here and then closes.
    ctx.logger.warn('websocket error', { error: error.message });
  });
  return connection;
}
