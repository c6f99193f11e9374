import { describe, expect, it } from 'vitest';
import { plainStatusArguments } from '../../src/cli/status-fast-path';

describe('the plain `sweep status` that skips the command tree', () => {
  it('takes a name, or an id, with --watch before or after it', () => {
    expect(plainStatusArguments(['sweep', 'status', 'demo'])).toEqual({ sweep: 'demo', watch: false });
    expect(plainStatusArguments(['sweep', 'status', 'sweep/demo', '--watch'])).toEqual({ sweep: 'sweep/demo', watch: true });
    expect(plainStatusArguments(['sweep', 'status', '--watch', 'demo'])).toEqual({ sweep: 'demo', watch: true });
  });

  it('leaves everything else to the command tree, which gives the usage errors', () => {
    for (const args of [
      [],
      ['sweep'],
      ['sweep', 'status'],
      ['sweep', 'status', ''],
      ['sweep', 'status', 'a', 'b'],
      ['sweep', 'status', 'demo', '--help'],
      ['sweep', 'status', 'demo', '-h'],
      ['sweep', 'status', 'demo', '--wach'],
      ['sweep', 'status', 'demo', '--watch', '--watch'],
      ['sweep', 'status', '--', 'demo'],
      ['sweep', 'list'],
      ['status', 'sweep', 'demo'],
    ]) {
      expect(plainStatusArguments(args), args.join(' ')).toBeUndefined();
    }
  });
});
