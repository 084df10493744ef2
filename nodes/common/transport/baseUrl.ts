/** A credential's Base URL as requests are built on it: no surrounding spaces, no trailing slash. */
export function trimBaseUrl(value: unknown): string {
	return String(value ?? '')
		.trim()
		.replace(/\/+$/, '');
}
