/**
 * Bad inputs for Quiva Stream Publish, shared by the workflow tests and the fault suite. Each is run
 * with QUIVA_GOOD_ITEM as item 0 and the good item overridden by `badItem` as item 1, so the node must
 * stop before sending anything and name item 1 and the field.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	baseUrlCases,
	lineBreakCase,
	secretCases,
	type BadCredentialCase,
} from './credential.badInputs.cjs';

export const QUIVA_GOOD_ITEM = {
	s: 'orders',
	sub: 'orders.ok',
	b: { ok: true },
	n: 'orders',
	o: 'orders',
	flag: 'orders.ok',
};

export interface BadInputCase {
	name: string;
	parameters: IDataObject;
	badItem: IDataObject;
	message: RegExp;
}

export const quivaBadInputs: BadInputCase[] = (
	[
		[
			'empty stream',
			{ stream: '={{ $json.s }}' },
			{ s: '' },
			/Invalid Stream \[item 1\]: Stream is empty/,
		],
		[
			'path trick in the stream',
			{ stream: '={{ $json.s }}' },
			{ s: '../orders' },
			/Invalid Stream \[item 1\].*letters, digits/,
		],
		[
			'%2F in the stream',
			{ stream: '={{ $json.s }}' },
			{ s: 'a%2Fb' },
			/Invalid Stream \[item 1\]/,
		],
		[
			'a number from an expression as stream',
			{ stream: '={{ $json.n }}' },
			{ n: 5 },
			/Invalid Stream \[item 1\].*must be text, got a number/,
		],
		[
			'wildcard subject',
			{ subject: '={{ $json.sub }}' },
			{ sub: 'orders.*' },
			/Invalid Subject \[item 1\].*wildcard/,
		],
		[
			'$ subject',
			{ subject: '={{ $json.sub }}' },
			{ sub: '$JS.API' },
			/Invalid Subject \[item 1\].*reserves/,
		],
		[
			'subject with a space',
			{ subject: '={{ $json.sub }}' },
			{ sub: 'orders new' },
			/Invalid Subject \[item 1\].*whitespace/,
		],
		[
			'body field holding a string',
			{ bodySource: 'field', bodyField: 'b' },
			{ b: 'text' },
			/Invalid Body \[item 1\].*JSON object, got a string/,
		],
		[
			'missing body field',
			{ bodySource: 'field', bodyField: '={{ $itemIndex === 0 ? "b" : "nope" }}' },
			{},
			/Invalid Body \[item 1\].*no field "nope"/,
		],
		[
			'body JSON expression giving an array',
			{ bodySource: 'json', bodyJson: '={{ $json.b }}' },
			{ b: [1, 2] },
			/Invalid Body \[item 1\].*JSON object, got an array/,
		],
		[
			'payload over the limit',
			{ options: { maxPayloadBytes: 200 } },
			{ big: 'x'.repeat(300) },
			/Invalid Body \[item 1\].*limit is 200 bytes/,
		],
		[
			'? in the stream',
			{ stream: '={{ $json.s }}' },
			{ s: 'orders?x=1' },
			/Invalid Stream \[item 1\]/,
		],
		[
			'# in the stream',
			{ stream: '={{ $json.s }}' },
			{ s: 'orders#frag' },
			/Invalid Stream \[item 1\]/,
		],
		[
			'a 300-character stream name',
			{ stream: '={{ $json.s }}' },
			{ s: 'x'.repeat(300) },
			/Invalid Stream \[item 1\].*at most 255/,
		],
		[
			'an object from an expression as stream',
			{ stream: '={{ $json.o }}' },
			{ o: { a: 1 } },
			/Invalid Stream \[item 1\].*must be text/,
		],
		[
			'a boolean from an expression as subject',
			{ subject: '={{ $json.flag }}' },
			{ flag: true },
			/Invalid Subject \[item 1\].*must be text, got a boolean/,
		],
		[
			'an empty subject from an expression',
			{ subject: '={{ $json.sub }}' },
			{ sub: '' },
			/Invalid Subject \[item 1\]: Subject is empty/,
		],
		[
			'a null body field',
			{ bodySource: 'field', bodyField: 'b' },
			{ b: null },
			/Invalid Body \[item 1\].*got null/,
		],
		[
			'a 2 MB body (over the 1 MB default)',
			{},
			{ big: 'x'.repeat(2 * 1024 * 1024) },
			/Invalid Body \[item 1\].*limit is 1048576 bytes/,
		],
	] as Array<[string, IDataObject, IDataObject, RegExp]>
).map(([name, parameters, badItem, message]) => ({ name, parameters, badItem, message }));

/** Quiva API credentials that cannot work: nothing may be sent (see credential.badInputs.ts). */
export const quivaBadCredentials: BadCredentialCase[] = [
	...baseUrlCases('Quiva API', 'apiKey'),
	...secretCases('Quiva API', 'apiKey', 'apiKey', 'API Key'),
	...secretCases('Quiva API', 'bearerToken', 'token', 'Token'),
	lineBreakCase('Quiva API', 'apiKey', 'apiKey', 'API Key'),
];
