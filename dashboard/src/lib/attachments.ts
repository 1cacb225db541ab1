import type { Attachment } from 'svelte/attachments';

/** Moves keyboard focus to an element when it appears (a confirmation's default button, an error summary). */
export const focusOnMount: Attachment<HTMLElement> = (element) => {
	element.focus();
};
