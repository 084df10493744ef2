/** The line under each node's name on the canvas, as n8n's expression engine evaluates it in the editor. */
import { nodeSubtitle } from '../harness/n8n.cjs';

describe.each([
	{
		type: 'quivaStreamPublish',
		first: 'stream',
		second: 'subject',
		values: ['orders', 'orders.created'],
	},
	{
		type: 'kapuaPublish',
		first: 'clientId',
		second: 'channel',
		values: ['heater-01', 'heater/data'],
	},
])('$type', ({ type, first, second, values }) => {
	test('both fields set', () => {
		expect(nodeSubtitle(type, { [first]: values[0], [second]: values[1] })).toBe(
			`to ${values[0]} / ${values[1]}`,
		);
	});

	test('an empty field is left out, and nothing is shown when both are empty', () => {
		expect(nodeSubtitle(type, { [first]: values[0], [second]: '' })).toBe(`to ${values[0]}`);
		expect(nodeSubtitle(type, { [first]: '', [second]: values[1] })).toBe(`to ${values[1]}`);
		expect(nodeSubtitle(type, { [first]: '', [second]: '  ' })).toBe('');
		expect(nodeSubtitle(type, {})).toBe('');
	});

	test('a field holding an expression shows the expression, not nothing', () => {
		expect(nodeSubtitle(type, { [first]: values[0], [second]: '={{ $json.target }}' })).toBe(
			`to ${values[0]} / {{ $json.target }}`,
		);
	});
});

describe('chatMessage', () => {
	test('a new chat', () => {
		expect(nodeSubtitle('chatMessage', { chatMode: 'new' })).toBe('new chat');
		expect(nodeSubtitle('chatMessage', {})).toBe('new chat');
	});

	test('an existing chat, by ID, by expression, or not given yet', () => {
		expect(
			nodeSubtitle('chatMessage', {
				chatMode: 'existing',
				chatId: '550e8400-e29b-41d4-a716-446655440000',
			}),
		).toBe('chat 550e8400-e29b-41d4-a716-446655440000');
		expect(
			nodeSubtitle('chatMessage', { chatMode: 'existing', chatId: '={{ $json.chatId }}' }),
		).toBe('chat {{ $json.chatId }}');
		expect(nodeSubtitle('chatMessage', { chatMode: 'existing', chatId: '' })).toBe('chat');
	});
});
