/**
 * Benchmark dispatcher: `npm run bench -- <name> [options]`. Each benchmark is a module under
 * bench/ exporting `run(args): Promise<number>` (the exit code). An unknown name lists the known
 * ones and exits 2.
 */
export type BenchmarkRunner = (args: string[]) => Promise<number>;

export const BENCHMARKS: Record<string, { description: string; load: () => Promise<{ run: BenchmarkRunner }> }> = {
  'cell-training': {
    description: "a cell's GPU work on the real ML CLI: train + predict (two Python processes) vs train-evaluate (one)",
    load: () => import('./cell-training'),
  },
  'cli-start': {
    description: 'how long `synthlab --help` and `synthlab sweep status` take, through node and npx, beside the floors of Node, npx and the Temporal SDK client',
    load: () => import('./cli-start'),
  },
  'data-scale': {
    description: "study D's data stages on N synthetic rows: generate bookkeeping, exact + near-duplicate dedupe, npy artifacts, the five selection methods",
    load: () => import('./data-scale'),
  },
  'llm-throughput': {
    description: 'LLM requests per second through synthlab vs driving the server directly vs its ceiling, on a loopback server of K slots',
    load: () => import('./llm-throughput'),
  },
  'plan-estimate': {
    description: "how good sweep plan's estimate is: runs a config's data products (default configs/demo.yaml) and prints estimated beside actual requests and tokens",
    load: () => import('./plan-estimate'),
  },
  'revision-throughput': {
    description: 'LLM-as-judge revision throughput on the local GGUF model: one request at a time vs concurrent',
    load: () => import('./revision-throughput'),
  },
  'trainer-quality': {
    description: 'the fine-tune recipe against the linear probe on gold SIB-200 Welsh (few-shot and whole split), through the real ML CLI',
    load: () => import('./trainer-quality'),
  },
  'sweep-scale': {
    description: 'orchestration cost of a 10,000-cell sweep on the real dev server, with a no-op benchmark worker',
    load: () => import('./sweep-scale'),
  },
};

export function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([name, { description }]) => `  ${name.padEnd(22)} ${description}`);
  return `usage: npm run bench -- <name> [options]\n\nbenchmarks:\n${names.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const benchmark = name === undefined ? undefined : BENCHMARKS[name];
  if (!benchmark) {
    if (name !== undefined && name !== '--help' && name !== 'help') process.stderr.write(`bench: unknown benchmark "${name}"\n\n`);
    process.stderr.write(usage());
    return name === '--help' || name === 'help' ? 0 : 2;
  }
  const { run } = await benchmark.load();
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
