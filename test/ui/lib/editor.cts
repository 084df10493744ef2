/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The functions given to page.evaluate and waitForFunction run in the browser, on its DOM.
/**
 * What a user does in n8n 2.41's editor, said once: sign in, open the node panel and search it, add a node,
 * open a credential from the node and press its Test, pick from a dropdown, run a workflow and read a
 * node's output. Selectors are the editor's own `data-test-id`s (its end-to-end suite uses them too), and
 * visible words where the editor has no test id.
 *
 * Waits end when what the user would wait for is on screen; their time limits are safety nets that turn a
 * hang into a message, not speed assertions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { ElementHandle, Page } from 'puppeteer-core' with { 'resolution-mode': 'import' };

const creator = '[data-test-id=node-creator]';
const creatorSearch = '[data-test-id=node-creator-search-bar]';
const creatorItemName = `${creator} [data-test-id=node-creator-item-name]`;
/** The credential modal (its header holds Save and close); its body is `credential-edit-dialog`. */
const credentialModal = '[data-test-id=editCredential-modal]';
const credentialDialog = '[data-test-id=credential-edit-dialog]';

export interface CredentialTestOutcome {
	ok: boolean;
	/** Everything the dialog's banner shows, its details included. */
	text: string;
}

export interface OutputTable {
	/** "5 items", as the panel says it. */
	itemCount: string;
	headers: string[];
	rows: string[][];
}

export class Editor {
	constructor(
		readonly page: Page,
		readonly url: string,
	) {}

	async signIn(email: string, password: string): Promise<void> {
		await this.page.goto(`${this.url}/signin`, { waitUntil: 'networkidle2' });
		await this.page.type('#emailOrLdapLoginId', email);
		await this.page.type('#password', password);
		await this.page.click('[data-test-id=form-submit-button]');
		// The editor is a single-page app: signing in changes its route, not the document.
		await this.page
			.waitForFunction(() => !location.pathname.startsWith('/signin'), { timeout: 60_000 })
			.catch(() => {
				throw new Error(`signing in as ${email} failed: still on ${this.page.url()}`);
			});
	}

	async newWorkflow(): Promise<void> {
		await this.openWorkflow('new');
	}

	async openWorkflow(id: string): Promise<void> {
		await this.page.goto(`${this.url}/workflow/${id}`, { waitUntil: 'networkidle2' });
		await this.page.waitForSelector('[data-test-id=canvas]', { visible: true });
	}

	/** The top-right "+" (the node panel: "What triggers this workflow?" on an empty canvas, else "What happens next?"). */
	async openNodePanel(): Promise<string> {
		// The "+" toggles the panel and ignores a click while the panel is still leaving: a busy machine
		// (n8n, Chromium and jest on two cores) can land there, so a click that opened nothing is repeated.
		for (let attempt = 1; ; attempt++) {
			await this.page.click('[data-test-id=node-creator-plus-button]');
			const opened = await this.page
				.waitForSelector(creatorSearch, { visible: true, timeout: 10_000 })
				.then(() => true)
				.catch(() => false);
			if (opened) {
				await this.settled(creator);
				return await this.nodePanelTitle();
			}
			if (attempt === 3) throw new Error('the node panel did not open after three clicks on "+"');
		}
	}

	async nodePanelTitle(): Promise<string> {
		return await this.page.$eval(
			creator,
			(element) => (element as HTMLElement).innerText.trim().split('\n')[0],
		);
	}

	async closeNodePanel(): Promise<void> {
		if (!(await this.page.$(creatorSearch))) return;
		await this.page.keyboard.press('Escape');
		await this.page.waitForSelector(creatorSearch, { hidden: true });
	}

	/** A node's "+" handle of one connection type (e.g. the AI Agent's `ai_tool` input): opens the panel for that slot. */
	async openNodePanelFromHandle(nodeName: string, handleId: string): Promise<void> {
		await this.page.click(
			`[data-test-id=canvas-node][data-node-name="${nodeName}"] [data-handleid="${handleId}"] [data-test-id=canvas-handle-plus]`,
		);
		await this.page.waitForSelector(creatorSearch, { visible: true });
		await this.settled(creator);
	}

	/** Clicks an entry of the open panel by its title, e.g. "Action in an app". */
	async openPanelEntry(title: string): Promise<void> {
		await this.clearSearch();
		const entry = await this.itemNamed(title);
		await entry.click();
		await this.page.waitForFunction(
			(selector, expected) =>
				document.querySelector(selector)?.textContent?.trim().startsWith(expected),
			{},
			creator,
			title,
		);
		await this.settled(creatorSearch);
	}

	/**
	 * Types a query into the panel's search and returns the node names listed. Waits until `expected` is
	 * listed or the list has settled, so a missing node is reported with what was listed instead.
	 */
	async search(query: string, expected?: string): Promise<string[]> {
		await this.clearSearch();
		await this.page.type(creatorSearch, query);
		const listed = () =>
			this.page.$$eval(creatorItemName, (elements) =>
				elements.map((element) => (element as HTMLElement).innerText.trim()),
			);
		if (expected !== undefined) {
			await this.page
				.waitForFunction(
					(selector, name) =>
						[...document.querySelectorAll(selector)].some(
							(element) => (element as HTMLElement).innerText.trim() === name,
						),
					{ timeout: 10_000 },
					creatorItemName,
					expected,
				)
				.catch(() => undefined);
		}
		// The list is filtered as one types; two equal reads 300 ms apart mean it has settled.
		let previous = JSON.stringify(await listed());
		for (;;) {
			await sleep(300);
			const current = JSON.stringify(await listed());
			if (current === previous) return JSON.parse(current) as string[];
			previous = current;
		}
	}

	async clearSearch(): Promise<void> {
		const input = await this.page.waitForSelector(creatorSearch, { visible: true });
		await input!.click({ count: 3 });
		await this.page.keyboard.press('Backspace');
	}

	/**
	 * Picks a listed node by name. A community node first shows its details panel, whose "Add to workflow"
	 * adds it; most nodes then open their panel (NDV); a trigger like Manual Trigger is only placed.
	 */
	async addNodeFromPanel(displayName: string): Promise<void> {
		await this.search(displayName, displayName);
		const nodesBefore = (await this.page.$$('[data-test-id=canvas-node]')).length;
		await (await this.itemNamed(displayName)).click();
		const shown = await this.page.waitForFunction(
			(before) => {
				if (document.querySelector('[data-test-id=ndv]')) return 'ndv';
				if (
					[...document.querySelectorAll('button')].some(
						(button) =>
							button.innerText.trim() === 'Add to workflow' && button.offsetParent !== null,
					)
				)
					return 'details';
				return document.querySelectorAll('[data-test-id=canvas-node]').length > before
					? 'placed'
					: false;
			},
			{},
			nodesBefore,
		);
		const state = await shown.jsonValue();
		if (state === 'details') {
			await this.settled(creator);
			await (await this.waitForButton('Add to workflow')).click();
			await this.page.waitForSelector('[data-test-id=ndv]', { visible: true });
		}
		if (await this.page.$('[data-test-id=ndv]')) await this.settled('[data-test-id=ndv]');
		// The panel slides away: the "+" toggles it, so a click while it is still leaving would close it again.
		if (state === 'placed') await this.page.waitForSelector(creatorSearch, { hidden: true });
	}

	/** Closes the node's panel (NDV) if one is open. */
	async closeNodeDetails(): Promise<void> {
		if (!(await this.page.$('[data-test-id=ndv-close-button]'))) return;
		await this.page.click('[data-test-id=ndv-close-button]');
		await this.page.waitForSelector('[data-test-id=ndv]', { hidden: true });
	}

	async openNodeDetails(nodeName: string): Promise<void> {
		const node = await this.page.waitForSelector(
			`[data-test-id=canvas-node][data-node-name="${nodeName}"]`,
			{ visible: true },
		);
		const box = await node!.boundingBox();
		if (!box) throw new Error(`node "${nodeName}" is not on screen`);
		await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2, { count: 2 });
		await this.page.waitForSelector('[data-test-id=ndv]', { visible: true });
		await this.settled('[data-test-id=ndv]');
	}

	/** The parameter names the open node panel shows (from their `parameter-input-<name>` test ids). */
	async parameterNames(): Promise<string[]> {
		return await this.page.$$eval(
			'[data-test-id=node-parameters] [data-test-id^=parameter-input-]',
			(elements) =>
				elements
					.filter((element) => (element as HTMLElement).offsetParent !== null)
					.map((element) => element.getAttribute('data-test-id')!.slice('parameter-input-'.length))
					.filter((name) => name !== 'field'),
		);
	}

	/** How many "Let the model define this parameter" buttons the open node panel shows, each parameter hovered in turn. */
	async fromAiButtons(): Promise<number> {
		for (const input of await this.page.$$(
			'[data-test-id=node-parameters] [data-test-id=parameter-item]',
		)) {
			await input.hover().catch(() => undefined);
		}
		return (
			await this.page.$$('[data-test-id=node-parameters] [data-test-id=from-ai-override-button]')
		).length;
	}

	/**
	 * A new credential from the open node panel's credential slot: its "Connect to ..." while none of the
	 * type exists, else "Create new credential" at the foot of the slot's dropdown (a button, not a list item).
	 */
	async createCredentialFromNode(): Promise<void> {
		// The dropdown slides open; a click while it moves, or while the panel re-renders, can miss: the
		// user's aim is the dialog, so the steps are repeated until it is there. The slot is looked at afresh
		// each time: a node just added shows "Connect to" for a moment before n8n gives it an existing
		// credential, and a click meant for that button then lands on the dropdown that replaced it.
		for (let attempt = 1; ; attempt++) {
			const slot = await this.page.waitForSelector(
				'[data-test-id=node-credentials-empty-state] button, [data-test-id=node-credentials-select] input',
				{ visible: true },
			);
			const empty = await slot!.evaluate((element) => element.tagName === 'BUTTON');
			if (empty) {
				await slot!.click().catch(() => undefined);
			} else {
				await this.openCredentialSlotDropdown();
				const create = await this.page.waitForSelector(
					'[data-test-id=node-credentials-select-item-new]',
					{ visible: true },
				);
				await this.settledElement(create!);
				await create!.click();
			}
			const opened = await this.page
				.waitForSelector(credentialDialog, { visible: true, timeout: 20_000 })
				.then(() => true)
				.catch(() => false);
			if (opened) break;
			const picture = await this.failurePicture(`create-credential-${attempt}`);
			if (attempt === 3)
				throw new Error(
					`neither "Connect to" nor "Create new credential" opened a credential dialog after three tries (${picture})`,
				);
		}
		await this.settled(credentialModal);
	}

	/** Opens the credential slot's dropdown. */
	private async openCredentialSlotDropdown(): Promise<void> {
		const input = '[data-test-id=node-credentials-select] input';
		if (
			(await this.page.$eval(input, (element) => element.getAttribute('aria-expanded'))) === 'true'
		)
			return;
		await this.openSelect(input, "the credential slot's dropdown");
	}

	/**
	 * Clicks a select's input until its list is open, as the input says (aria-expanded): a click during the
	 * panel's own re-render can be lost. Three clicks at most.
	 */
	private async openSelect(input: string, what: string): Promise<void> {
		for (let attempt = 1; ; attempt++) {
			await this.page.click(input);
			const opened = await this.page
				.waitForFunction(
					(selector) => document.querySelector(selector)?.getAttribute('aria-expanded') === 'true',
					{ timeout: 10_000 },
					input,
				)
				.then(() => true)
				.catch(() => false);
			if (opened) return;
			if (attempt === 3) throw new Error(`${what} did not open after three clicks`);
		}
	}

	/** The node's saved credential, opened with the pencil beside it (the dialog closes first if n8n left it open). */
	async openCredentialFromNode(): Promise<void> {
		await this.closeCredentialDialog();
		await this.page.click('[data-test-id=credential-edit-button]');
		await this.page.waitForSelector(credentialDialog, { visible: true });
		await this.settled(credentialModal);
	}

	/** Types into a text field of the open credential dialog, replacing what it holds. */
	async fillCredentialField(name: string, value: string): Promise<void> {
		const input = await this.page.waitForSelector(
			`${credentialDialog} [data-test-id=parameter-input-${name}] input`,
			{ visible: true },
		);
		await input!.click({ count: 3 });
		await this.page.keyboard.press('Backspace');
		await input!.type(value);
		// The form takes a typed value into its data when the field loses focus, a moment later (it
		// debounces): a Save straight after typing would send the old value, as a too-quick user would.
		await this.page.keyboard.press('Tab');
		await sleep(500);
	}

	/**
	 * Saves the dialog: n8n saves, then tests the credential (what its Test does) and shows a banner.
	 * Returns the banner, its "More details" opened, once it says what `expect` waits for.
	 */
	async saveAndTestCredential(expect: 'success' | 'failure'): Promise<CredentialTestOutcome> {
		await this.saveCredential();
		return await this.credentialTestOutcome(expect);
	}

	/** Save, and wait for the server to store it (creating a credential tests it too; changing one does not). */
	async saveCredential(): Promise<void> {
		const stored = this.page.waitForResponse(
			(response) =>
				/\/rest\/credentials(\/[^/]+)?$/.test(new URL(response.url()).pathname) &&
				['POST', 'PATCH'].includes(response.request().method()),
		);
		await this.page.click(`${credentialModal} [data-test-id=credential-save-button]`);
		const response = await stored;
		if (!response.ok()) throw new Error(`saving the credential failed: HTTP ${response.status()}`);
	}

	/** The banner's Retry, which tests the credential again with what the dialog holds now. */
	async retryCredentialTest(expect: 'success' | 'failure'): Promise<CredentialTestOutcome> {
		await this.page.click(`${credentialDialog} button[title="Retry credential test"]`);
		return await this.credentialTestOutcome(expect);
	}

	async credentialTestOutcome(expect: 'success' | 'failure'): Promise<CredentialTestOutcome> {
		const words = {
			success: 'Connection tested successfully',
			failure: 'Couldn’t connect with these settings',
		};
		const read = () =>
			this.page.$eval(credentialDialog, (element) => (element as HTMLElement).innerText);
		await this.page
			// innerText: only what is shown (the dialog keeps a hidden success text); "Retrying" means still testing.
			.waitForFunction(
				(selector, text) => {
					const shown = (document.querySelector(selector) as HTMLElement | null)?.innerText ?? '';
					return shown.includes(text) && !shown.includes('Retrying');
				},
				{ timeout: 120_000 },
				credentialDialog,
				words[expect],
			)
			.catch(() => undefined);
		const dialog = await read();
		const ok = dialog.includes(words.success);
		if (!ok && !dialog.includes(words.failure))
			return { ok, text: `(no test result shown) ${dialog.slice(0, 400)}` };
		// "More details" opens the server's message under the headline.
		const more = await this.page.evaluateHandle(
			(selector) =>
				[...document.querySelectorAll(`${selector} a`)].find((link) =>
					link.textContent?.includes('More details'),
				) ?? null,
			credentialDialog,
		);
		const link = more.asElement() as ElementHandle<Element> | null;
		if (link) {
			await link.click();
			await sleep(300);
		}
		const text = await this.page.$eval(credentialDialog, (element) => {
			const banner = [...element.querySelectorAll('.el-tag')].find((tag) =>
				/Connection tested|Couldn’t connect/.test(tag.textContent ?? ''),
			);
			return ((banner as HTMLElement | undefined)?.innerText ?? '').replace(/\s+/g, ' ').trim();
		});
		return { ok, text };
	}

	/** Closes the credential dialog, unless n8n already did (it closes it after a save that tests well). */
	async closeCredentialDialog(): Promise<void> {
		await sleep(500);
		const close = await this.page.$(`${credentialModal} .el-dialog__headerbtn`);
		if (close && (await close.isVisible())) await close.click().catch(() => undefined);
		await this.page.waitForSelector(credentialModal, { hidden: true });
	}

	/**
	 * An options parameter's choices, as its dropdown lists them. For a list loaded from the server it first
	 * waits for the field to stop loading; a field that could not load says so instead (its issue included).
	 */
	async dropdownOptions(parameter: string): Promise<string[]> {
		const state = await this.optionsLoaded(parameter);
		if (state.error)
			return [
				`(no options; the field shows: ${state.error}${state.issues ? `; its issue: ${state.issues}` : ''})`,
			];
		const input = `[data-test-id=parameter-input-${parameter}] input`;
		await this.settled(input);
		await this.openSelect(input, `the ${parameter} dropdown`);
		// The input names its own list (aria-controls): other selects' lists stay in the page, hidden.
		const listId = await this.page.$eval(
			input,
			(element) => element.getAttribute('aria-controls') ?? '',
		);
		const options = await this.listedNames(listId);
		// Escape closes the open list (with none open it would close the node's panel instead).
		await this.page.keyboard.press('Escape');
		await this.page.waitForFunction(
			(selector) => document.querySelector(selector)?.getAttribute('aria-expanded') !== 'true',
			{},
			input,
		);
		return options;
	}

	/**
	 * Waits until a server-loaded options field has finished loading (n8n shows "Loading options..." in it
	 * meanwhile) and says whether the load failed: then the field reads "Error fetching options from ..." and,
	 * unless n8n still hides the issues of a node just added, its issue holds the server's message.
	 */
	async optionsLoaded(parameter: string): Promise<{ error?: string; issues?: string }> {
		const input = `[data-test-id=parameter-input-${parameter}] input`;
		await this.page.waitForFunction(
			(selector) => {
				const field = document.querySelector(selector) as HTMLInputElement | null;
				return (
					field !== null &&
					!/Loading options/i.test(field.value) &&
					!/Loading options/i.test(field.placeholder)
				);
			},
			{ timeout: 120_000 },
			input,
		);
		const shown = await this.page.$eval(input, (element) => (element as HTMLInputElement).value);
		if (!/Error fetching options|Set up credential/i.test(shown)) return {};
		const hasIssues = await this.page.$(
			`[data-test-id=parameter-input-${parameter}] [data-test-id=parameter-issues]`,
		);
		return { error: shown, issues: hasIssues ? await this.parameterIssues(parameter) : undefined };
	}

	/** What the parameter's warning sign says when hovered ("Issues: ..."), as one line. */
	async parameterIssues(parameter: string): Promise<string> {
		const sign = await this.page.waitForSelector(
			`[data-test-id=parameter-input-${parameter}] [data-test-id=parameter-issues]`,
			{ visible: true },
		);
		await sign!.hover();
		const tooltip = await this.page.waitForFunction(
			() =>
				[...document.querySelectorAll('.n8n-tooltip')]
					.map((element) => (element as HTMLElement).innerText)
					.find((text) => text.startsWith('Issues')) ?? null,
			{ timeout: 30_000 },
		);
		const text = String(await tooltip.jsonValue())
			.replace(/\s+/g, ' ')
			.trim();
		// The tooltip would cover the next thing the user clicks.
		await this.page.mouse.move(0, 0);
		await this.page
			.waitForFunction(
				() =>
					![...document.querySelectorAll('.n8n-tooltip')].some((element) =>
						(element as HTMLElement).innerText.startsWith('Issues'),
					),
				{ timeout: 30_000 },
			)
			.catch(() => undefined);
		return text;
	}

	/**
	 * An entry of a parameter's own menu (the "⋮" beside its label, shown on hover), by n8n's action name:
	 * `refreshOptions` ("Refresh List") waits for the list's new answer from the server.
	 */
	async parameterAction(parameter: string, action: string): Promise<void> {
		const item = await this.page.waitForFunction(
			(name) =>
				document
					.querySelector(`[data-test-id=parameter-input-${name}]`)
					?.closest('[data-test-id=parameter-item]') ?? null,
			{},
			parameter,
		);
		const menu = `[data-test-id=${parameter}-parameter-input-options-container] [data-test-id=action-toggle] button`;
		const entry = `[data-test-id=action-toggle-dropdown] [data-test-id=action-${action}]`;
		for (let attempt = 1; ; attempt++) {
			await (item.asElement() as ElementHandle<Element>).hover();
			await this.page.waitForSelector(menu, { visible: true });
			await this.page.click(menu);
			const opened = await this.page
				.waitForSelector(entry, { visible: true, timeout: 10_000 })
				.then(() => true)
				.catch(() => false);
			if (opened) break;
			if (attempt === 3)
				throw new Error(`the menu of ${parameter} did not offer ${action} after three clicks`);
		}
		const answered =
			action === 'refreshOptions'
				? this.page.waitForResponse(
						(response) =>
							new URL(response.url()).pathname === '/rest/dynamic-node-parameters/options',
						{ timeout: 120_000 },
					)
				: undefined;
		await this.page.click(entry);
		await answered;
		await this.page.waitForSelector(entry, { hidden: true });
	}

	/**
	 * A resource locator's "From List" (n8n's AI nodes' Model field): clicks the field, which makes n8n ask the
	 * node for the list, and returns what the list shows once it has loaded: the names it lists (the chosen
	 * entry first), or the error it shows instead (its title, the node's message and description). `filter`
	 * replaces what its search holds ('' empties it). The list is closed again unless `keepOpen` (e.g. for a screenshot).
	 */
	async resourceList(
		parameter: string,
		options: { filter?: string; keepOpen?: boolean } = {},
	): Promise<{ names: string[]; error?: string }> {
		const container = `[data-test-id=resource-locator-${parameter}]`;
		await this.page.waitForSelector(container, { visible: true });
		await this.settled(container);
		const shown = async (): Promise<{ names: string[]; error?: string } | null> => {
			const handle = await this.page
				.waitForFunction(
					() => {
						const visible = (element: Element) => (element as HTMLElement).offsetParent !== null;
						const dropdown = [
							...document.querySelectorAll(
								'[data-test-id=resource-locator-dropdown], [data-test-id=rlc-search], [data-test-id=rlc-error-container]',
							),
						].some(visible);
						if (!dropdown) return null;
						// While it loads, the list shows placeholder rows (and the chosen entry, from the workflow).
						if ([...document.querySelectorAll('[class*="_loadingItem_"]')].some(visible))
							return null;
						const error = [...document.querySelectorAll('[data-test-id=rlc-error-container]')].find(
							visible,
						);
						if (error)
							return {
								names: [],
								error: (error as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
							};
						const items = [...document.querySelectorAll('[data-test-id=rlc-item]')].filter(visible);
						if (items.length > 0)
							return {
								names: items.map((item) => (item as HTMLElement).innerText.trim().split('\n')[0]),
							};
						// "No results" once loaded; nothing (a spinner) while loading.
						const empty = [...document.querySelectorAll('[class*="messageContainer"]')].find(
							(element) =>
								visible(element) && /No results/i.test((element as HTMLElement).innerText),
						);
						return empty ? { names: [] } : null;
					},
					{ timeout: 60_000 },
				)
				.catch(() => null);
			return handle
				? ((await handle.jsonValue()) as { names: string[]; error?: string } | null)
				: null;
		};
		let listed: { names: string[]; error?: string } | null = null;
		for (let attempt = 1; !listed; attempt++) {
			// The input of the list mode (the mode selector beside it is a select with an input of its own).
			const input =
				(await this.page.$(
					`${container} input[data-test-id=rlc-input], ${container} [data-test-id=rlc-input] input`,
				)) ?? (await this.page.$(`${container} [data-test-id=rlc-input]`));
			if (!input) throw new Error(`the ${parameter} field has no list input`);
			await input.click();
			listed = await shown();
			if (!listed && attempt === 3)
				throw new Error(
					`the ${parameter} list did not open, or did not load, after three clicks (${await this.failurePicture(`rlc-${parameter}`)})`,
				);
		}
		if (options.filter !== undefined) {
			// The list keeps what was typed into its search before: replaced, as a user does.
			const search = '[data-test-id=rlc-search] input, input[data-test-id=rlc-search]';
			await (await this.page.waitForSelector(search, { visible: true }))!.click({ count: 3 });
			await this.page.keyboard.press('Backspace');
			if (options.filter) await this.page.type(search, options.filter);
			await sleep(1000); // n8n waits for typing to pause before it asks again
			listed = (await shown()) ?? listed;
		}
		if (!options.keepOpen) await this.closeResourceList();
		return listed;
	}

	/** Closes an open resource locator list, as a click beside it does. */
	async closeResourceList(): Promise<void> {
		const open = () =>
			this.page.evaluate(() =>
				[
					...document.querySelectorAll(
						'[data-test-id=rlc-search], [data-test-id=rlc-error-container], [data-test-id=rlc-item]',
					),
				].some((element) => (element as HTMLElement).offsetParent !== null),
			);
		if (!(await open())) return;
		const header = await this.page.$(
			'[data-test-id=ndv] [data-test-id=node-title-container], [data-test-id=ndv] [data-test-id=node-parameters]',
		);
		const box = await header?.boundingBox();
		if (box) await this.page.mouse.click(box.x + 5, box.y + 5);
		await this.page.waitForFunction(
			() =>
				![
					...document.querySelectorAll(
						'[data-test-id=rlc-search], [data-test-id=rlc-error-container], [data-test-id=rlc-item]',
					),
				].some((element) => (element as HTMLElement).offsetParent !== null),
			{ timeout: 10_000 },
		);
	}

	/** Chooses an entry of a resource locator's list by its name; returns what the field shows then. */
	async chooseFromResourceList(parameter: string, name: string): Promise<string> {
		const { names } = await this.resourceList(parameter, { keepOpen: true, filter: '' });
		if (!names.includes(name))
			throw new Error(`the ${parameter} list has no "${name}" (it lists ${names.join(', ')})`);
		const item = await this.page.waitForFunction(
			(wanted) =>
				[...document.querySelectorAll('[data-test-id=rlc-item]')].find(
					(element) =>
						(element as HTMLElement).offsetParent !== null &&
						(element as HTMLElement).innerText.trim().split('\n')[0] === wanted,
				) ?? null,
			{},
			name,
		);
		await (item.asElement() as ElementHandle<Element>).click();
		// The field's text input (the test id is on the input itself, or on its wrapper).
		const container = `[data-test-id=resource-locator-${parameter}]`;
		const input = `${container} input[data-test-id=rlc-input], ${container} [data-test-id=rlc-input] input`;
		const read = () => this.page.$eval(input, (element) => (element as HTMLInputElement).value);
		await this.page
			.waitForFunction(
				(selector, wanted) =>
					(document.querySelector(selector) as HTMLInputElement | null)?.value === wanted,
				{ timeout: 10_000 },
				input,
				name,
			)
			.catch(async () => {
				throw new Error(
					`after choosing "${name}" the ${parameter} field shows "${await read().catch(() => '?')}" (${await this.failurePicture(`rlc-choose-${parameter}`)})`,
				);
			});
		return await read();
	}

	/** Text of the open node panel's parameter area, e.g. to read a dropdown's error. */
	async parameterText(parameter: string): Promise<string> {
		return await this.page.$eval(`[data-test-id=parameter-input-${parameter}]`, (element) => {
			const input = element.querySelector('input') as HTMLInputElement | null;
			return [(element as HTMLElement).innerText, input?.value, input?.placeholder]
				.filter(Boolean)
				.join(' ');
		});
	}

	/** The labels of the open node panel's parameters, as the user reads them (first line: not the Fixed/Expression switch). */
	async parameterLabels(): Promise<string[]> {
		return await this.page.$$eval('[data-test-id=node-parameters] label', (labels) =>
			labels
				.filter((label) => (label as HTMLElement).offsetParent !== null)
				.map((label) => (label as HTMLElement).innerText.trim().split('\n')[0].trim()),
		);
	}

	/** The first line of each shown entry of an open select's list (by its id), once it lists any. */
	private async listedNames(listId: string): Promise<string[]> {
		const names = await this.page.waitForFunction(
			(id) => {
				const shown = [
					...(document.getElementById(id)?.querySelectorAll('.el-select-dropdown__item') ?? []),
				].filter((item) => (item as HTMLElement).offsetParent !== null);
				return shown.length > 0
					? shown.map((item) => (item as HTMLElement).innerText.trim().split('\n')[0])
					: null;
			},
			{},
			listId,
		);
		return (await names.jsonValue()) as string[];
	}

	/** Each "Add Option" / "Add Field" list of the open node panel, opened in turn: its placeholder and the names it lists. */
	async collectionChoices(): Promise<Array<{ list: string; names: string[] }>> {
		const lists: Array<{ list: string; names: string[] }> = [];
		const inputs = await this.page.$$(
			'[data-test-id=node-parameters] [data-test-id=collection-parameter-add] input',
		);
		for (const input of inputs) {
			const list = await input.evaluate((element) => (element as HTMLInputElement).placeholder);
			await input.click();
			await this.page.waitForFunction(
				(element) => element.getAttribute('aria-expanded') === 'true',
				{},
				input,
			);
			const listId = await input.evaluate((element) => element.getAttribute('aria-controls') ?? '');
			lists.push({ list, names: await this.listedNames(listId) });
			await this.page.keyboard.press('Escape');
			await this.page.waitForFunction(
				(element) => element.getAttribute('aria-expanded') !== 'true',
				{},
				input,
			);
		}
		return lists;
	}

	/** The line under a node's name on the canvas (the editor gives it no test id, only a `_subtitle_` class). */
	async canvasSubtitle(nodeName: string): Promise<string> {
		const node = `[data-test-id=canvas-node][data-node-name="${nodeName}"]`;
		await this.page.waitForSelector(node, { visible: true });
		return await this.page.$eval(node, (element) =>
			(
				(element.querySelector('[class*="_subtitle_"]') as HTMLElement | null)?.innerText ?? ''
			).trim(),
		);
	}

	/** "Execute workflow", then waits for the editor's own word that the run ended. */
	async executeWorkflow(): Promise<string> {
		await this.page.click('[data-test-id=execute-workflow-button]');
		const toast = await this.page.waitForFunction(
			() =>
				[...document.querySelectorAll('.el-notification')]
					.map((toast) => (toast as HTMLElement).innerText)
					.find((text) => /executed successfully|Problem in node|failed/i.test(text)),
			{ timeout: 300_000 },
		);
		return String(await toast.jsonValue());
	}

	/** The open node panel's input side, once it shows `expected` (e.g. the schema view's words). */
	async inputPanelText(expected: string): Promise<string> {
		const panel = '[data-test-id=ndv-input-panel]';
		await this.page
			.waitForFunction(
				(selector, text) =>
					(document.querySelector(selector) as HTMLElement | null)?.innerText.includes(text),
				{ timeout: 120_000 },
				panel,
				expected,
			)
			.catch(() => undefined);
		return await this.page.$eval(panel, (element) => (element as HTMLElement).innerText);
	}

	/** The open node panel's output, as its Table view shows it. */
	async outputTable(): Promise<OutputTable> {
		const panel = '[data-test-id=output-panel]';
		await this.page.waitForSelector(`${panel} table`, { visible: true });
		return await this.page.$eval(panel, (element) => {
			const table = element.querySelector('table')!;
			const cells = (row: Element) =>
				[...row.querySelectorAll('th, td')].map((cell) =>
					(cell as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
				);
			const [head, ...body] = [...table.querySelectorAll('tr')];
			const itemCount = (element as HTMLElement).innerText.match(/\d+ items?/)?.[0] ?? '';
			return { itemCount, headers: cells(head), rows: body.map(cells) };
		});
	}

	/**
	 * The canvas's "Open chat" (a workflow with a Chat Trigger): the logs panel opens with n8n's chat on its
	 * left. Its top edge is dragged up to `top` and the chat's right edge out to `chatWidth`, as a user
	 * makes room for a long reply; then the canvas is zoomed to fit what is left of it.
	 */
	async openChatPanel(layout: { top: number; chatWidth: number }): Promise<void> {
		await this.page.click('[data-test-id=workflow-chat-button]');
		await this.page.waitForSelector('[data-test-id=canvas-chat] [data-test-id=chat-input]', {
			visible: true,
		});
		await this.settled('[data-test-id=logs-panel]');
		const drag = async (
			handle: string,
			to: (box: { x: number; y: number; width: number; height: number }) => [number, number],
		) => {
			const element = await this.page.waitForSelector(handle, { visible: true });
			const box = (await element!.boundingBox())!;
			await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
			await this.page.mouse.down();
			const [x, y] = to(box);
			await this.page.mouse.move(x, y, { steps: 12 });
			await this.page.mouse.up();
		};
		// The panel's top edge, then the chat's right edge (each a `resize-handle` of its own box).
		await drag(
			'[data-test-id=logs-panel] > [data-test-id=resize-handle], [data-test-id=logs-panel] [data-test-id=resize-handle]',
			(box) => [box.x + box.width / 2, layout.top],
		);
		await this.settled('[data-test-id=canvas-chat]');
		const chat = (await (await this.page.$('[data-test-id=canvas-chat]'))!.boundingBox())!;
		await this.page.mouse.move(chat.x + chat.width - 1, chat.y + chat.height / 2);
		await this.page.mouse.down();
		await this.page.mouse.move(chat.x + layout.chatWidth, chat.y + chat.height / 2, { steps: 12 });
		await this.page.mouse.up();
		await this.settled('[data-test-id=canvas-chat]');
		await this.page.click('[data-test-id=zoom-to-fit]');
		await sleep(600);
	}

	/** "Zoom to fit": the whole workflow on screen, its sticky notes included. */
	async zoomToFit(): Promise<void> {
		await this.page.click('[data-test-id=zoom-to-fit]');
		await sleep(800);
	}

	/**
	 * The sticky notes on the canvas, each with the first line it shows, whether its text fits in it (a note
	 * whose text is cut off, or needs scrolling, says less than it should) and how much of its height the
	 * text takes (the bottom of its last line, as a share of the note's height).
	 */
	async stickyNotes(): Promise<Array<{ firstLine: string; fits: boolean; filled: number }>> {
		return await this.page.$$eval('[data-test-id=canvas] [data-test-id=sticky]', (notes) =>
			notes.map((note) => {
				const element = note as HTMLElement;
				const all = [element, ...element.querySelectorAll('*')] as HTMLElement[];
				const cut = all.some((child) => {
					const style = getComputedStyle(child);
					const clips = (overflow: string) => /hidden|auto|scroll|clip/.test(overflow);
					return (
						(clips(style.overflowY) && child.scrollHeight > child.clientHeight + 2) ||
						(clips(style.overflowX) && child.scrollWidth > child.clientWidth + 2)
					);
				});
				const box = element.getBoundingClientRect();
				const texts = all.filter((child) =>
					[...child.childNodes].some(
						(node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim() !== '',
					),
				);
				const bottom = Math.max(
					box.top,
					...texts.map((child) => child.getBoundingClientRect().bottom),
				);
				return {
					firstLine: element.innerText.trim().split('\n')[0],
					fits: !cut,
					filled: Math.round(((bottom - box.top) / box.height) * 100) / 100,
				};
			}),
		);
	}

	/** Types a message into the open chat and sends it (Enter), as a user does. */
	async sendChatMessage(text: string): Promise<void> {
		const input = await this.page.waitForSelector(
			'[data-test-id=canvas-chat] [data-test-id=chat-input]',
			{ visible: true },
		);
		await input!.click();
		await input!.type(text);
		await this.page.keyboard.press('Enter');
	}

	/**
	 * The text of the chat's last reply as it is shown (its typing dots aside), once `accept` takes it;
	 * polled every 50 ms, so a reply that grows is seen growing.
	 */
	async chatReply(
		accept: { longerThan: number } | { equals: string },
	): Promise<{ text: string; typing: boolean }> {
		const handle = await this.page.waitForFunction(
			(wanted: { longerThan?: number; equals?: string }) => {
				const body = document.querySelector('[data-test-id=canvas-chat-body]');
				const replies = [
					...(body?.querySelectorAll(
						'.chat-message-from-bot:not(.chat-message-typing) .chat-message-markdown',
					) ?? []),
				];
				const text = ((replies.at(-1) as HTMLElement | undefined)?.innerText ?? '')
					.replace(/\s+/g, ' ')
					.trim();
				const typing = body?.querySelector('[data-test-id=chat-message-typing]') !== null;
				const ok =
					wanted.equals !== undefined
						? text === wanted.equals && !typing
						: text.length > (wanted.longerThan ?? 0);
				return ok ? { text, typing } : null;
			},
			{ polling: 50, timeout: 120_000 },
			accept,
		);
		return (await handle.jsonValue()) as { text: string; typing: boolean };
	}

	/** What the chat's last reply shows now ('' before it starts). */
	async chatReplyNow(): Promise<string> {
		return await this.page.evaluate(() => {
			const replies = [
				...document.querySelectorAll(
					'[data-test-id=canvas-chat-body] .chat-message-from-bot:not(.chat-message-typing) .chat-message-markdown',
				),
			];
			return ((replies.at(-1) as HTMLElement | undefined)?.innerText ?? '')
				.replace(/\s+/g, ' ')
				.trim();
		});
	}

	/**
	 * The page as it is this moment, as PNG: no waiting, for frames of something that moves; `settle` first
	 * closes the toasts and lets the panels finish drawing, for a last frame.
	 */
	async frame(options: { settle?: boolean } = {}): Promise<Buffer> {
		if (options.settle) {
			for (const close of await this.page.$$('.el-notification .el-notification__closeBtn'))
				await close.click().catch(() => undefined);
			await sleep(1500);
		}
		return Buffer.from(await this.page.screenshot({ type: 'png' }));
	}

	async screenshot(file: string): Promise<void> {
		fs.mkdirSync(path.dirname(file), { recursive: true });
		// Toasts ("Credential saved") would cover the panel in the picture; a user closes them too.
		for (const close of await this.page.$$('.el-notification .el-notification__closeBtn'))
			await close.click().catch(() => undefined);
		await sleep(600); // let the panel's and the toasts' transitions finish
		await this.page.screenshot({ path: file as `${string}.png` });
	}

	/**
	 * A screenshot of a step that had to be repeated, to see why; returns its path. In UI_FAILURES_DIR when
	 * set, else in the run's temp folder (which the run removes at its end).
	 */
	async failurePicture(name: string): Promise<string> {
		const file = path.join(
			process.env.UI_FAILURES_DIR ?? path.join(os.tmpdir(), 'n8n-ui-failures'),
			`${Date.now()}-${name}.png`,
		);
		fs.mkdirSync(path.dirname(file), { recursive: true });
		await this.page.screenshot({ path: file as `${string}.png` }).catch(() => undefined);
		return file;
	}

	/** As `settled`, for an element already found. */
	async settledElement(element: ElementHandle<Element>): Promise<void> {
		let previous = '';
		for (;;) {
			const box = await element.evaluate((node) => JSON.stringify(node.getBoundingClientRect()));
			if (box === previous) return;
			previous = box;
			await sleep(150);
		}
	}

	/** Waits until an element stops moving (the panels slide in; a click during the slide misses). */
	async settled(selector: string): Promise<void> {
		let previous = '';
		for (;;) {
			const box = await this.page.$eval(selector, (element) =>
				JSON.stringify(element.getBoundingClientRect()),
			);
			if (box === previous) return;
			previous = box;
			await sleep(150);
		}
	}

	private async itemNamed(name: string): Promise<ElementHandle<Element>> {
		const handle = await this.page.waitForFunction(
			(selector, wanted) =>
				[...document.querySelectorAll(selector)].find(
					(element) => (element as HTMLElement).innerText.trim() === wanted,
				) ?? null,
			{ timeout: 10_000 },
			creatorItemName,
			name,
		);
		return handle.asElement() as ElementHandle<Element>;
	}

	private async waitForButton(text: string): Promise<ElementHandle<Element>> {
		const handle = await this.page.waitForFunction(
			(wanted) =>
				[...document.querySelectorAll('button')].find(
					(button) => button.innerText.trim() === wanted && button.offsetParent !== null,
				) ?? null,
			{},
			text,
		);
		return handle.asElement() as ElementHandle<Element>;
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
