/**
 * `node --import <this file> …` appends the URL of every module the process resolves through ESM
 * hooks (tsx's included) to the file named by SYNTHLAB_RECORD_MODULES, one a line: tests use it to
 * see which code a command loads. Hooks run on their own thread, so the file name travels as data.
 */
import { register } from 'node:module';

const file = process.env.SYNTHLAB_RECORD_MODULES;
if (!file) throw new Error('record-modules.mjs needs SYNTHLAB_RECORD_MODULES: the file to append module URLs to');
register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });
