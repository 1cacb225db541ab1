/**
 * After creating an integration and starting its connect with the values a person typed: whether the API refused
 * those values (a 4xx), so the integration just created is removed again and the corrected values can be added. A
 * 5xx, a timeout or an unreachable API (503) says nothing about the values: the integration stays.
 */
export function connectRefusedValues(error: unknown): boolean {
	const status = (error as { status?: unknown } | null)?.status;
	return typeof status === 'number' && status >= 400 && status < 500;
}
