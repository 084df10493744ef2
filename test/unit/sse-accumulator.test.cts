import { TextAccumulator } from '../../nodes/common/sse/accumulator';

test('joins pieces in order and counts them', () => {
	const text = new TextAccumulator();
	for (const piece of ['Quantum', ' ', '', 'computing', ' é😀']) text.append(piece);
	expect(text.text()).toBe('Quantum computing é😀');
	expect(text.length).toBe('Quantum computing é😀'.length);
	expect(text.pieces).toBe(4);
});

test('reading in between keeps the text whole and appends after it', () => {
	const text = new TextAccumulator();
	text.append('a');
	expect(text.text()).toBe('a');
	text.append('b');
	expect(text.text()).toBe('ab');
	expect(text.text()).toBe('ab');
	expect(new TextAccumulator().text()).toBe('');
});

test('100,000 pieces of 100 characters (10 MB) are kept as pieces and joined once', () => {
	const text = new TextAccumulator();
	const piece = 'x'.repeat(99) + '\n';
	for (let i = 0; i < 100_000; i++) text.append(piece);
	expect(text.length).toBe(10_000_000);
	const joined = text.text();
	expect(joined.length).toBe(10_000_000);
	expect(joined.slice(0, 100)).toBe(piece);
	expect(text.text()).toBe(joined);
});
