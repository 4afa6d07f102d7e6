// Relay entry point: configuration, token, listeners, signals. Everything else lives in modules.
import { readFileSync } from 'node:fs';
import { ConfigError, flagsToEnv, loadConfig, type RelayConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createRelay } from './relay.ts';
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
  });
  const version = packageVersion();
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

  // Tests and scripts parse this line to find ephemeral ports.
  logger.info('listening', {
    ...urls,
    version,
    demo: config.demo || undefined,
    upstream: config.chat.baseURL,
    models: config.models,
    tokenSource: token.source,
  });
  if (config.demo) logger.hint(`DEMO MODE (${config.demo}): answers come from Parley's fake OpenAI, not a real model.`);
  logger.hint(`Parley relay listening: WebSocket ${urls.wsUrl}, HTTP ${urls.httpUrl}`);
  if (token.source === 'generated')
    logger.hint(`New relay token (paste this token in Parley's options page): ${token.token}\nIt is stored in ${token.path} (readable only by you).`);
  else if (token.source === 'file') logger.hint(`Relay token: stored in ${token.path} (paste it in Parley's options page).`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
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

main().catch((error: unknown) => {
  process.stderr.write(`parley relay: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
