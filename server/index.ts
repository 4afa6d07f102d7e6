// Relay entry point: configuration, token, listeners, signals. Everything else lives in modules.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { runPrimary, type ListeningMessage } from './cluster.ts';
import { ConfigError, configDirFrom, flagsToEnv, loadConfig, type RelayConfig } from './config.ts';
import { createLogger } from './log.ts';
import { connectRedis } from './redis/redis-client.ts';
import { createRelay } from './relay.ts';
import { createRedisTokenRegistry } from './tokens/redis-token-registry.ts';
import { runTokensCli } from './tokens/tokens-cli.ts';
import { resolveToken } from './transport/token-store.ts';

function readConfig(): RelayConfig {
  try {
    return loadConfig({ ...process.env, ...flagsToEnv(process.argv.slice(2)) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`parley relay: ${error.message}\n`);
    process.exit(1);
  }
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

async function main(): Promise<void> {
  const config = readConfig();
  const token = await resolveToken(config.token, config.configDir);
  const logger = createLogger({
    // The admin token is never printed, not even in hints.
    secrets: [config.chat.apiKey, config.stt.apiKey, config.tts.apiKey, ...(config.admin.token === undefined ? [] : [config.admin.token])],
    logOnlySecrets: [token.token, ...config.tokens],
    logText: config.logText,
    ...(cluster.worker ? { fields: { worker: cluster.worker.id } } : {}),
  });
  const version = packageVersion();

  const announce = (urls: Omit<ListeningMessage, 'type'>) => {
    // Tests and scripts parse this line to find ephemeral ports.
    logger.info('listening', {
      wsUrl: urls.wsUrl,
      httpUrl: urls.httpUrl,
      wsPort: urls.wsPort,
      httpPort: urls.httpPort,
      version,
      demo: config.demo || undefined,
      upstream: config.chat.baseURL,
      models: config.models,
      tokenSource: token.source,
      store: config.redisUrl === undefined ? 'memory' : 'redis',
      workers: config.workers,
    });
    if (config.demo) logger.hint(`DEMO MODE (${config.demo}): answers come from Parley's fake OpenAI, not a real model.`);
    logger.hint(`Parley relay listening: WebSocket ${urls.wsUrl}, HTTP ${urls.httpUrl}`);
    if (token.source === 'generated')
      logger.hint(`New relay token (paste this token in Parley's options page): ${token.token}\nIt is stored in ${token.path} (readable only by you).`);
    else if (token.source === 'file') logger.hint(`Relay token: stored in ${token.path} (paste it in Parley's options page).`);
  };

  if (config.workers > 1 && cluster.isPrimary) {
    // Checked once here, so an unreachable Redis is one clear error instead of N crashing workers.
    if (config.redisUrl !== undefined) await (await connectRedis(config.redisUrl, logger)).quit();
    runPrimary({ workers: config.workers, logger, onListening: announce });
    return;
  }

  const relay = await createRelay({ config, token: token.token, logger, version });

  let urls: Awaited<ReturnType<typeof relay.listen>>;
  try {
    urls = await relay.listen();
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const hint = code === 'EADDRINUSE' ? ' A port is taken: set PARLEY_WS_PORT / PARLEY_HTTP_PORT (0 picks a free one).' : '';
    process.stderr.write(`parley relay: cannot listen on ${config.host}: ${error instanceof Error ? error.message : String(error)}.${hint}\n`);
    process.exit(1);
  }

  if (cluster.isWorker) {
    logger.info('worker listening', { pid: process.pid });
    process.send?.({ type: 'listening', ...urls } satisfies ListeningMessage);
  } else {
    announce(urls);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A worker gets Ctrl-C's SIGINT and then the primary's SIGTERM: that is one shutdown, not "now".
    if (stopping && cluster.isWorker) return;
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal, graceMs: config.shutdownGraceMs });
    relay.shutdown(config.shutdownGraceMs).then(
      (result) => {
        logger.info('stopped', result);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error: error instanceof Error ? error.stack : String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** `npm run relay -- tokens …`: token administration instead of a relay. */
async function tokens(argv: string[]): Promise<void> {
  const redisUrl = process.env.REDIS_URL?.trim();
  // With REDIS_URL the relays read their named tokens from Redis, so the command writes there too.
  const redis = redisUrl ? await connectRedis(redisUrl, createLogger({ secrets: [], logText: false, write: () => undefined })) : undefined;
  try {
    const registry = redis ? createRedisTokenRegistry({ redis }) : undefined;
    await runTokensCli(argv, configDirFrom(process.env), { out: (text) => process.stdout.write(text) }, registry);
    await redis?.quit();
  } catch (error) {
    // TokenRegistryError and parseArgs' errors carry a message meant for the person at the terminal.
    process.stderr.write(`parley tokens: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

const entry = process.argv[2] === 'tokens' ? tokens(process.argv.slice(3)) : main();
entry.catch((error: unknown) => {
  process.stderr.write(`parley relay: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
