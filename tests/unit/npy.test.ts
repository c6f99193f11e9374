import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npyHeader, readNpy, writeNpy } from '../../src/artifacts/npy';
import { mlPython } from '../../src/infra/paths';

const folder = mkdtempSync(join(tmpdir(), 'npy-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function python(script: string): string {
  if (!existsSync(mlPython)) throw new Error(`this test needs numpy in the ML venv, and ${mlPython} is missing (run scripts/setup.sh)`);
  return execFileSync(mlPython, ['-c', script], { encoding: 'utf8' });
}

describe('readNpy / writeNpy', () => {
  it('reads a float32 array numpy wrote, in C order', () => {
    const path = join(folder, 'from-numpy.npy');
    python(`import numpy as np; np.save(${JSON.stringify(path)}, (np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8 - 1))`);
    const { shape, data } = readNpy(readFileSync(path));
    expect(shape).toEqual([2, 3, 4]);
    expect(Array.from(data)).toEqual(Array.from({ length: 24 }, (_, index) => index / 8 - 1));
  });

  it('reads a big-endian float32 array and a one-dimensional one', () => {
    const path = join(folder, 'big-endian.npy');
    python(`import numpy as np; np.save(${JSON.stringify(path)}, np.array([1.5, -2.25, 3e-8], dtype='>f4'))`);
    const { shape, data } = readNpy(readFileSync(path));
    expect(shape).toEqual([3]);
    expect(Array.from(data)).toEqual([1.5, -2.25, Math.fround(3e-8)]);
  });

  it('writes a file numpy loads back with the same shape, dtype and values', () => {
    const values = Float32Array.from({ length: 30 }, (_, index) => Math.sin(index) * 1e3);
    const path = join(folder, 'from-typescript.npy');
    writeFileSync(path, writeNpy([5, 2, 3], values));
    const printed = python(
      `import numpy as np, json; a = np.load(${JSON.stringify(path)}); print(json.dumps([a.dtype.str, list(a.shape), a.flags['C_CONTIGUOUS'], a.ravel().tolist()]))`,
    );
    const [dtype, shape, contiguous, loaded] = JSON.parse(printed) as [string, number[], boolean, number[]];
    expect([dtype, shape, contiguous]).toEqual(['<f4', [5, 2, 3], true]);
    expect(loaded).toEqual(Array.from(values));
    expect(readNpy(readFileSync(path)).data).toEqual(values);
  });

  it('aligns the data at 64 bytes and round-trips empty and one-dimensional shapes', () => {
    expect(npyHeader([130000, 384]).length % 64).toBe(0);
    expect(readNpy(writeNpy([0, 3], new Float32Array(0)))).toEqual({ shape: [0, 3], data: new Float32Array(0) });
    expect(readNpy(writeNpy([2], Float32Array.of(1, 2)))).toEqual({ shape: [2], data: Float32Array.of(1, 2) });
  });

  it('reads data that is not 4-byte aligned in its buffer by copying it', () => {
    const file = writeNpy([2, 2], Float32Array.of(1, 2, 3, 4));
    const shifted = Buffer.alloc(file.length + 1);
    file.copy(shifted, 1);
    expect(Array.from(readNpy(shifted.subarray(1)).data)).toEqual([1, 2, 3, 4]);
  });

  it('rejects what is not a float32 C-order npy, naming the problem', () => {
    const path = join(folder, 'float64.npy');
    python(`import numpy as np; np.save(${JSON.stringify(path)}, np.zeros((2, 2)))`);
    expect(() => readNpy(readFileSync(path))).toThrow(/dtype is '<f8', expected float32/);
    const fortran = join(folder, 'fortran.npy');
    python(`import numpy as np; np.save(${JSON.stringify(fortran)}, np.asfortranarray(np.zeros((2, 3), dtype=np.float32)))`);
    expect(() => readNpy(readFileSync(fortran))).toThrow(/Fortran order/);
    expect(() => readNpy(Buffer.from('{"not": "npy"}'))).toThrow(/magic string/);
    expect(() => readNpy(writeNpy([4], Float32Array.of(1, 2, 3, 4)).subarray(0, 134))).toThrow(/needs 16 data bytes, the file has 6/);
    expect(() => writeNpy([3], Float32Array.of(1, 2))).toThrow(/holds 3 values, the data has 2/);
  });
});
