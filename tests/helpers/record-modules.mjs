/**
 * `node --import <this file> …` appends the URL of every module the process resolves through ESM
 * hooks (tsx's included) to the file named by SYNTHLAB_RECORD_MODULES, one a line, and at exit the
 * CommonJS modules it loaded with require() (which ESM hooks do not see; the compiled CLI loads the
 * Temporal SDK that way): tests use it to see which code a command loads. Hooks run on their own
 * thread, so the file name travels as data.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.SYNTHLAB_RECORD_MODULES;
if (!file) throw new Error('record-modules.mjs needs SYNTHLAB_RECORD_MODULES: the file to append module URLs to');
register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });

const commonJsModules = createRequire(import.meta.url).cache;
process.on('exit', () => {
  appendFileSync(file, Object.keys(commonJsModules).map((path) => `${pathToFileURL(path).href}\n`).join(''));
});
