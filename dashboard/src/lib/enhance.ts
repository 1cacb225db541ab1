import { applyAction, type SubmitFunction } from '$app/forms';

/**
 * `use:enhance` with a busy flag, for action forms. Redirects that leave the app (the OAuth connect URL,
 * which redirects on to the provider) become a full-page navigation, like the form without JavaScript.
 */
export function busyEnhance(setBusy: (busy: boolean) => void, options: { reset?: boolean } = {}): SubmitFunction {
	return () => {
		setBusy(true);
		return async ({ result, update }) => {
			try {
				if (result.type === 'redirect') {
					const target = new URL(result.location, location.href);
					if (target.origin !== location.origin || target.pathname.startsWith('/oauth/')) {
						location.assign(target.href);
						return; // stays busy: the page is going away
					}
				}
				if (result.type === 'error') {
					await applyAction(result);
				} else {
					await update({ reset: options.reset ?? false });
				}
				setBusy(false);
			} catch (error) {
				setBusy(false);
				throw error;
			}
		};
	};
}
