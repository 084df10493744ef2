/**
 * Collects a reply's text pieces without quadratic copying: pieces are kept in an array and joined once
 * when the text is read (`text += piece` per token would copy the growing string again and again in the
 * worst case, and keeps rope fragments alive).
 *
 * Every BLOCK_PIECES pieces, the pieces since the last block are joined into one flat string. A piece is
 * often a slice of the decoded chunk it came in (normalize.ts takes plain token text without JSON.parse),
 * and V8 keeps the whole chunk alive behind a slice; the block join copies the pieces out so those chunks
 * can be collected while the reply streams. Each character is copied at most twice in all.
 */
const BLOCK_PIECES = 1024;

export class TextAccumulator {
	private parts: string[] = [];

	/** parts[0 .. blocks) are joined blocks; the rest are pieces as they arrived. */
	private blocks = 0;

	private joined: string | undefined;

	/** Length in UTF-16 units, kept as pieces arrive. */
	length = 0;

	/** Pieces appended (deltas received). */
	pieces = 0;

	append(piece: string): void {
		if (piece === '') return;
		this.parts.push(piece);
		this.length += piece.length;
		this.pieces++;
		this.joined = undefined;
		if (this.parts.length - this.blocks >= BLOCK_PIECES) {
			const block = this.parts.slice(this.blocks).join('');
			this.parts.length = this.blocks;
			this.parts.push(block);
			this.blocks++;
		}
	}

	/** The whole text; joins once, then reuses the result until more arrives. */
	text(): string {
		if (this.joined === undefined) {
			this.joined = this.parts.join('');
			this.parts = this.joined === '' ? [] : [this.joined];
			this.blocks = this.parts.length;
		}
		return this.joined;
	}
}
