/** What form actions hand back to their page (the `form` prop): a flash, or a confirmation to ask for. */

export type FlashKind = 'success' | 'error' | 'info';

export interface Flash {
	kind: FlashKind;
	message: string;
}

export type ConfirmAction = 'disconnect' | 'delete';

export interface ActionData {
	flash?: Flash;
	/** The action needs a second, explicit click: the page shows a confirmation for this integration. */
	confirm?: { action: ConfirmAction; id: string };
	/** Which form the result belongs to, so errors show next to it. */
	form?: string;
	fieldErrors?: Record<string, string>;
	/** Submitted non-secret values, to refill a form after an error. */
	values?: Record<string, string>;
	/** A secret the API returned once (the forwarding secret): shown on this response only. */
	revealedSecret?: string;
}
