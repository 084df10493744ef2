/**
 * The system's Chromium, driven by puppeteer-core, as a new user's browser: a fresh profile every run (no
 * cookie of an earlier n8n on another port), and every uncaught page error kept so a test can fail on it.
 *
 * Why the system's browser: puppeteer-core never downloads one, and build machines reach only the npm
 * registry and Debian's mirrors; `scripts/ensure-chromium.js` (run by `npm run test:ui`) installs Debian's
 * `chromium` when it is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type {
	Browser,
	Page,
	PuppeteerNode,
} from 'puppeteer-core' with { 'resolution-mode': 'import' };

/**
 * puppeteer-core is an ES module, which jest's CommonJS module registry cannot load (and jest hands out
 * its own `createRequire`). Node 24's own require can (require(esm)): process.getBuiltinModule reaches
 * Node's real module loader past jest. Only the browser driver is loaded this way.
 */
function loadPuppeteer(): PuppeteerNode {
	const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
	return (createRequire(__filename)('puppeteer-core') as { default: PuppeteerNode }).default;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(): string {
	const given = process.env.CHROMIUM_PATH;
	if (given) {
		if (!fs.existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`);
		return given;
	}
	const found = CANDIDATES.find((file) => fs.existsSync(file));
	if (!found)
		throw new Error(
			`no Chromium at ${CANDIDATES.join(' or ')}: run \`node scripts/ensure-chromium.js\` (npm run test:ui does), or set CHROMIUM_PATH`,
		);
	return found;
}

/** Flags that let Chromium run headless as root in a container, with nothing calling home. */
const FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage',
];

export interface EditorBrowser {
	browser: Browser;
	page: Page;
	/** Uncaught errors of the page (its 'pageerror' events) since the last take. */
	takePageErrors(): string[];
	/** Answers to the editor's output-schema requests (`/schemas/...`) seen so far. */
	schemaRequests: Array<{ url: string; status: number }>;
	close(): Promise<void>;
}

export async function launchBrowser(
	viewport = { width: 1440, height: 900 },
): Promise<EditorBrowser> {
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-ui-chromium-'));
	const browser = await loadPuppeteer().launch({
		executablePath: findChromium(),
		headless: true,
		args: [...FLAGS, `--window-size=${viewport.width},${viewport.height}`],
		userDataDir,
		defaultViewport: viewport,
	});
	const page = (await browser.pages())[0] ?? (await browser.newPage());
	// Safety nets so a missing element fails with a message instead of hanging CI; not speed assertions.
	page.setDefaultTimeout(60_000);
	page.setDefaultNavigationTimeout(120_000);

	// "Leave without saving?" and the like: a user who navigates away means it.
	page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));

	let pageErrors: string[] = [];
	page.on('pageerror', (error) => {
		pageErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
	});
	const schemaRequests: EditorBrowser['schemaRequests'] = [];
	page.on('response', (response) => {
		if (new URL(response.url()).pathname.startsWith('/schemas/'))
			schemaRequests.push({ url: response.url(), status: response.status() });
	});

	return {
		browser,
		page,
		schemaRequests,
		takePageErrors() {
			const taken = pageErrors;
			pageErrors = [];
			return taken;
		},
		async close() {
			// A page stuck in a dialog can keep close() waiting: after a grace period the process is killed.
			const child = browser.process();
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([
				browser.close().catch(() => undefined),
				new Promise<void>((resolve) => {
					timer = setTimeout(() => {
						child?.kill('SIGKILL');
						resolve();
					}, 15_000);
				}),
			]);
			clearTimeout(timer);
			fs.rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}
