/**
 * Headless Chromium for the real-browser tests: the binary of the npm package @sparticuz/chromium
 * (unpacked on first use into the temp folder), driven by puppeteer-core. Browser security stays
 * on (the package's own flags turn off web security, which would hide a missing CORS header): only
 * the sandbox is off, which needs privileges this machine's user lacks.
 */
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

const ARGS = ['--no-sandbox', '--no-zygote', '--disable-dev-shm-usage', '--use-gl=angle', '--use-angle=swiftshader', '--no-first-run', '--no-default-browser-check'];

/** Starts headless Chromium, or fails saying what is missing; never skips. */
export async function launchHeadlessChromium(): Promise<Browser> {
  let executablePath = '';
  try {
    executablePath = await chromium.executablePath();
    return await puppeteer.launch({ executablePath, args: ARGS, headless: 'shell', defaultViewport: { width: 1440, height: 1000 } });
  } catch (error) {
    throw new Error(
      `headless Chromium could not start (${executablePath || 'the binary of @sparticuz/chromium was not unpacked'}): ${error instanceof Error ? error.message : String(error)}. ` +
        'It comes from the devDependencies @sparticuz/chromium and puppeteer-core (`npm install`, which scripts/setup.sh runs); `ldd` on the binary lists missing shared libraries.',
    );
  }
}
