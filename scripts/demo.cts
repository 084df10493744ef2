/**
 * `npm run demo`: the package's main job, shown in a real n8n 2.41 on this machine. It installs what is
 * missing (Node 24 via scripts/with-node24.js, n8n into the cache), packs and installs the package as the
 * Community Nodes installer would, starts the embedded loopback simulators, runs the example workflows
 * from examples/ and prints what was published where. Nothing leaves the machine.
 */
import { CHAT_DEFAULTS, startChatSimulator } from '../test/simulators/chat.cjs';
import {
	chatCredentialData,
	kapuaCredentialData,
	quivaCredentialData,
} from '../test/simulators/credentials.cjs';
import { startKapuaSimulator } from '../test/simulators/kapua.cjs';
import { startQuivaSimulator } from '../test/simulators/quiva.cjs';
import { openSession, type E2ESession } from '../test/e2e/lib/session.cjs';
import { postAndStream } from '../test/e2e/lib/streamClient.cjs';
import { useOwnTempFolder } from '../test/e2e/lib/tempRoot.cjs';
import { errorOf, loadExample, outputOf } from '../test/e2e/lib/workflows.cjs';

/** One example workflow with the simulator it talks to; returns the lines of its report. */
interface DemoScenario {
	title: string;
	run(session: E2ESession): Promise<string[]>;
}

const quiva: DemoScenario = {
	title: 'Quiva Stream Publish — examples/quiva-stream-publish.json',
	async run(session) {
		const sim = await startQuivaSimulator();
		try {
			await session.addCredential('quivaApi', 'Quiva account', quivaCredentialData(sim));
			const run = await session.runWorkflow(loadExample('quiva-stream-publish.json'));
			if (run.status !== 'success') return [`FAILED: ${errorOf(run).message}`];
			const lines = [
				`quiva.ai gateway simulator at ${sim.url} received ${sim.received.length} messages:`,
			];
			for (const message of sim.received) {
				lines.push(
					`  #${message.sequence} stream "${message.stream}", subject "${message.subject}": ${JSON.stringify(message.body)}`,
				);
			}
			const confirmations = outputOf(run, 'Confirmation');
			lines.push(
				`the workflow's next node saw ${confirmations.length} confirmations, e.g. ${JSON.stringify(confirmations[0])}`,
			);
			return lines;
		} finally {
			await sim.close();
		}
	},
};

const kapua: DemoScenario = {
	title: 'Kapua Publish — examples/kapua-publish.json',
	async run(session) {
		const sim = await startKapuaSimulator();
		try {
			await session.addCredential('kapuaApi', 'Kapua account', kapuaCredentialData(sim));
			const run = await session.runWorkflow(loadExample('kapua-publish.json'));
			if (run.status !== 'success') return [`FAILED: ${errorOf(run).message}`];
			const lines = [
				`Kapua REST API simulator at ${sim.url}/v1 (logins: ${sim.logins.user}) received ${sim.published.length} messages:`,
			];
			for (const message of sim.published) {
				const metrics = message.metrics
					.map((metric) => `${metric.name}=${String(metric.value)} (${metric.valueType})`)
					.join(', ');
				lines.push(`  #${message.sequence} topic "${message.topic}": ${metrics}`);
			}
			return lines;
		} finally {
			await sim.close();
		}
	},
};

const CHAT_REPLY =
	'Quantum computers use qubits, which can be 0 and 1 at once; for some problems that makes them far faster than classical machines.';

const chat: DemoScenario = {
	title: 'Chat Message — examples/chat-message.json, then examples/chat-message-streaming.json',
	async run(session) {
		// The simulator sends one word every 60 ms, as a language model would.
		const sim = await startChatSimulator({
			reply: { tokens: CHAT_REPLY.split(/(?<= )/), pacingMs: 60 },
		});
		try {
			const user = CHAT_DEFAULTS.user;
			await session.addCredential('chatApi', 'Chat account', chatCredentialData(sim));
			const run = await session.runWorkflow(loadExample('chat-message.json'));
			if (run.status !== 'success') return [`FAILED: ${errorOf(run).message}`];
			const [answer] = outputOf(run, 'Answer');
			const [reply] = outputOf(run, 'Chat Message');
			const firstToken = (reply.timings as { timeToFirstTokenMs?: number } | undefined)
				?.timeToFirstTokenMs;
			// This scenario prints as it goes: the point is to see the reply arrive.
			console.log(
				`chat API simulator at ${sim.url}; n8n signed in as ${user.email} and asked: "${String(answer.question)}"`,
			);
			console.log(
				`the next node got the answer of new chat ${String(answer.chatId)} (${String(reply.eventCount)} events, first token after ${String(firstToken)} ms):`,
			);
			console.log(`  ${String(answer.answer)}`);

			const workflowId = await session.importWorkflow(loadExample('chat-message-streaming.json'));
			await session.api.activateWorkflow(workflowId);
			const url = `${session.server.url}/webhook/chat-stream`;
			console.log(
				`the same through a Webhook in Streaming mode, read by a plain HTTP client (POST ${url}), token by token:`,
			);
			process.stdout.write('  ');
			const started = Date.now();
			let firstAt: number | undefined;
			const response = await postAndStream(
				url,
				{ message: 'Explain quantum computing in one sentence.' },
				(message) => {
					if (message.type !== 'item') return;
					firstAt ??= Date.now() - started;
					process.stdout.write(String(message.content));
				},
			);
			process.stdout.write('\n');
			const tokens = response.messages.filter((message) => message.type === 'item').length;
			if (response.statusCode !== 200 || tokens === 0)
				return [`FAILED: the webhook answered HTTP ${response.statusCode} with ${tokens} tokens`];
			return [
				`  ${tokens} tokens in ${response.readsWithLines} network reads; the first after ${String(firstAt)} ms, the whole reply after ${Date.now() - started} ms`,
			];
		} finally {
			await sim.close();
		}
	},
};

const scenarios: DemoScenario[] = [quiva, kapua, chat];

async function main(): Promise<void> {
	console.log(
		'n8n-nodes-stream-messaging demo: the package in a real n8n 2.41, against embedded loopback simulators\n',
	);
	// Nothing is left in the OS temp folder: n8n's, npm's and Node's temporary files go into one folder removed at the end.
	useOwnTempFolder('demo');
	const session = await openSession({ label: 'demo' });
	let failed = false;
	try {
		console.log(
			`n8n ${session.server.url} runs ${session.pkg.name}@${session.pkg.version}, installed from its npm pack tarball\n`,
		);
		for (const scenario of scenarios) {
			console.log(`== ${scenario.title}`);
			const lines = await scenario.run(session);
			if (lines.some((line) => line.startsWith('FAILED'))) failed = true;
			for (const line of lines) console.log(line);
			console.log('');
		}
	} finally {
		await session.close();
	}
	if (failed) process.exitCode = 1;
	else
		console.log(
			'Done. Import the workflows in examples/ into your n8n (Workflows → Import from File) to try them yourself.',
		);
}

process.once('SIGINT', () => process.exit(130));
main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
