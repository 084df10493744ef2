// n8n's own lint rules for community packages: @n8n/eslint-plugin-community-nodes (recommended) and
// eslint-plugin-n8n-nodes-base (community, credentials and nodes rule sets).
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const ruleSet = (name) => n8nNodesBase.configs[name].rules;

export default [
	{ ignores: ['dist/**', 'dist-dev/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
	},
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'],
		...n8nCommunityNodesPlugin.configs.recommended,
	},
	{
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...ruleSet('community'),
			// eventsource-parser (the chat node's SSE parser) is a runtime dependency; n8n Cloud's "no
			// dependencies" rule is the one we break, knowingly: the package targets self-hosted n8n (see
			// README, "Dependencies").
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...ruleSet('credentials'),
			// Conflicts with the newer plugin's credential-documentation-url, which accepts a full URL.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		// A node's description lives in description.ts beside its node file: the same rules read both.
		files: ['nodes/**/*.node.ts', 'nodes/**/description.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...ruleSet('nodes'),
			// The older plugin wants the literal ['main']; the newer node-connection-type-literal rule
			// wants NodeConnectionTypes.Main. We follow the newer one.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
];
