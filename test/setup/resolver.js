/**
 * Jest's resolver, plus one rule: the repository's tests, benches and scripts are CommonJS TypeScript
 * (`.cts`, so that n8n's lint, which reads every `.ts` file as package source, sees only nodes/ and
 * credentials/), and they import each other as Node runs them once compiled: `./lib/session.cjs`. Jest runs
 * the sources, so a relative `.cjs` import from such a file that does not exist is looked up as `.cts`.
 */
const fs = require('node:fs');
const path = require('node:path');

module.exports = (request, options) => {
	if (
		request.startsWith('.') &&
		request.endsWith('.cjs') &&
		!options.basedir.includes(`${path.sep}node_modules${path.sep}`)
	) {
		const source = path.resolve(options.basedir, request.replace(/\.cjs$/, '.cts'));
		if (!fs.existsSync(path.resolve(options.basedir, request)) && fs.existsSync(source))
			return source;
	}
	return options.defaultResolver(request, options);
};
