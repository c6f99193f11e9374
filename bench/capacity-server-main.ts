/**
 * The capacity server (bench/capacity-server.ts) in a process of its own, so its timers run on an
 * event loop that no client shares: `--slots K --token-ms T`. Prints one JSON line with its
 * address on stdout, then serves until SIGTERM or until its parent closes stdin.
 */
import { startCapacityServer } from './capacity-server';

function option(args: readonly string[], flag: string): number {
  const index = args.indexOf(flag);
  const value = Number(index >= 0 ? args[index + 1] : undefined);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number, got "${index >= 0 ? (args[index + 1] ?? '') : ''}"`);
  return value;
}

async function main(args: string[]): Promise<void> {
  const server = await startCapacityServer({ slots: option(args, '--slots'), tokenMs: option(args, '--token-ms') });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`capacity server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
