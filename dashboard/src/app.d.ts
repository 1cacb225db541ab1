// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Locals {
			/** Resolved once per request in hooks.server.ts from the encrypted `pb_session` cookie. */
			session: import('#lib/server/session.ts').Session | null;
		}
	}
}

export {};
