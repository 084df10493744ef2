/**
 * An animated GIF from PNG screenshots, in JavaScript only: pngjs decodes each frame, gifenc (both from the
 * npm registry, no install script, no binary) picks each frame's 256 colours and encodes it. The frames
 * must share one size. A screenshot of n8n's editor is mostly flat colour, so 256 colours keep its text sharp.
 */

interface DecodedPng {
	width: number;
	height: number;
	data: Buffer;
}

interface Pngjs {
	PNG: { sync: { read(buffer: Buffer): DecodedPng } };
}

interface GifEncoder {
	writeFrame(
		index: Uint8Array,
		width: number,
		height: number,
		options: { palette: number[][]; delay: number; repeat?: number },
	): void;
	finish(): void;
	bytes(): Uint8Array;
}

interface Gifenc {
	GIFEncoder(): GifEncoder;
	quantize(
		rgba: Uint8Array | Uint8ClampedArray,
		maxColors: number,
		options?: { format?: string },
	): number[][];
	applyPalette(
		rgba: Uint8Array | Uint8ClampedArray,
		palette: number[][],
		format?: string,
	): Uint8Array;
}

// Plain CommonJS packages without type declarations: their few functions are typed above.
const { PNG } = require('pngjs') as Pngjs;
const { GIFEncoder, quantize, applyPalette } = require('gifenc') as Gifenc;

export interface GifFrame {
	png: Buffer;
	/** How long the frame shows, in milliseconds. */
	delayMs: number;
}

/** The frames as one GIF that plays in a loop; returns its bytes. */
export function animatedGif(frames: GifFrame[]): Buffer {
	if (frames.length === 0) throw new Error('an animation needs at least one frame');
	const gif = GIFEncoder();
	let size: string | undefined;
	for (const frame of frames) {
		const { width, height, data } = PNG.sync.read(frame.png);
		if (size !== undefined && size !== `${width}x${height}`)
			throw new Error(`frames differ in size: ${size} and ${width}x${height}`);
		size = `${width}x${height}`;
		const rgba = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
		const palette = quantize(rgba, 256, { format: 'rgb444' });
		gif.writeFrame(applyPalette(rgba, palette, 'rgb444'), width, height, {
			palette,
			delay: frame.delayMs,
			repeat: 0,
		});
	}
	gif.finish();
	return Buffer.from(gif.bytes());
}
