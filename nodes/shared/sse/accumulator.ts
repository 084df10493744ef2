/**
 * Collects a reply's text pieces without quadratic copying: pieces are kept in an array and joined once
 * when the text is read (`text += piece` per token would copy the growing string again and again in the
 * worst case, and keeps rope fragments alive).
 */
export class TextAccumulator {
	private parts: string[] = [];

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
	}

	/** The whole text; joins once, then reuses the result until more arrives. */
	text(): string {
		if (this.joined === undefined) {
			this.joined = this.parts.join('');
			this.parts = this.joined === '' ? [] : [this.joined];
		}
		return this.joined;
	}
}
