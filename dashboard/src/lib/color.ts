/** Provider catalog colours come from tenant-defined data: accept only hex, and pick readable text on top. */

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
export const FALLBACK_COLOR = '#6b7280';

export function safeColor(color: string | undefined | null): string {
	return color && HEX.test(color) ? color : FALLBACK_COLOR;
}

/** Black or white, whichever contrasts more with `background` (WCAG relative luminance). */
export function textColorOn(background: string): '#000000' | '#ffffff' {
	let hex = safeColor(background).slice(1);
	if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
	const [r, g, b] = [0, 2, 4].map((i) => {
		const channel = parseInt(hex.slice(i, i + 2), 16) / 255;
		return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
	}) as [number, number, number];
	const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
	// contrast with black = (L + 0.05) / 0.05; with white = 1.05 / (L + 0.05)
	return (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff';
}
