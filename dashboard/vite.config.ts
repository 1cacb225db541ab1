import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 ignores svelte.config.js: its configuration is the argument of the plugin.
// SvelteKit's CSRF origin check stays on (the default). Note that adapter-node 6 no longer reads ORIGIN at run
// time: the request origin is Host plus PROTOCOL_HEADER (https when that header is absent), so behind the API's
// one-origin proxy run the server with PROTOCOL_HEADER=x-forwarded-proto.
export default defineConfig(({ command }) => ({
	plugins: [
		sveltekit({
			adapter: adapter({ out: 'build' }),
			// Built app only: Vite's dev client injects <style> tags without nonces.
			csp:
				command === 'build'
					? {
							mode: 'auto',
							directives: {
								'default-src': ['self'],
								'script-src': ['self'],
								'style-src': ['self'],
								'img-src': ['self', 'data:'],
								'connect-src': ['self'],
								'font-src': ['self'],
								'object-src': ['none'],
								'base-uri': ['self'],
								// Connect/Reconnect post to the dashboard, which redirects (via /oauth/connect) to the provider;
								// Chrome applies form-action to every redirect of a form submission, so without JavaScript
								// the provider's https origin must be allowed too.
								'form-action': ['self', 'https:'],
								'frame-ancestors': ['none'],
							},
						}
					: undefined,
		}),
	],
}));
