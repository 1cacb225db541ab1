import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 ignores svelte.config.js: its configuration is the argument of the plugin.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ out: 'build' }),
      // CSRF origin check stays on (the default). adapter-node 6 no longer reads ORIGIN at run time: behind
      // the API's one-origin proxy run with PROTOCOL_HEADER=x-forwarded-proto (the proxy sets it and Host).
      csrf: { trustedOrigins: [] },
    }),
  ],
});
