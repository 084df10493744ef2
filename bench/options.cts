/**
 * `npm run bench:options`: what the options of issue 15 cost and keep, each against a baseline in the same
 * run: Verify Delivery (in-process) and Max Requests per Second (in real n8n, counted at the simulator).
 */
// First: n8n-core must not find its user folder unset (it would write to the home folder).
import './tempUserFolder.cjs';
import { benchRateLimit, printRateLimit } from './rateLimit.cjs';
import { benchVerifyDelivery, printVerifyDelivery } from './verifyDelivery.cjs';

async function main() {
	console.log(`Options benchmark — Node ${process.version}, ${new Date().toISOString()}`);
	printVerifyDelivery(await benchVerifyDelivery());
	if (!process.argv.includes('--no-rate')) printRateLimit(await benchRateLimit());
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
