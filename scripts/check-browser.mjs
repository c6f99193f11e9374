// Fails the test set-up early when headless Chromium cannot start here: the real-browser test
// (tests/e2e/codec-ui-browser.test.ts) drives the Temporal Web UI with it. The binary ships
// compressed in the npm package @sparticuz/chromium (no install script) and is unpacked into the
// temp folder on first use; puppeteer-core drives it.
import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';

const executablePath = await chromium.executablePath();
const browser = await puppeteer.launch({ executablePath, args: ['--no-sandbox', '--no-zygote', '--disable-dev-shm-usage'], headless: 'shell' });
await browser.close();
