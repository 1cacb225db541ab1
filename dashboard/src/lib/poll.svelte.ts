import { refreshAll } from '$app/navigation';

/**
 * Live updates: re-runs the page's load functions every `intervalMs` while the tab is visible (and once when
 * it becomes visible again). Skips a beat while someone is typing, while a form holds unsubmitted changes,
 * or while a refresh is still running, so it never overwrites what the user entered. Call during component
 * initialisation.
 */
export function pollWhileVisible(intervalMs = 5000): void {
	$effect(() => {
		let running = false;
		const dirty = new Set<HTMLFormElement>();
		const onInput = (event: Event) => {
			const form = (event.target as HTMLElement | null)?.closest?.('form');
			if (form) dirty.add(form);
		};
		const onSubmit = (event: Event) => dirty.delete(event.target as HTMLFormElement);
		document.addEventListener('input', onInput, true);
		document.addEventListener('change', onInput, true);
		document.addEventListener('submit', onSubmit, true);
		const editing = () => {
			for (const form of dirty) if (!form.isConnected) dirty.delete(form);
			if (dirty.size) return true;
			const el = document.activeElement;
			return el instanceof HTMLElement && el.matches('input:not([type=hidden]):not([readonly]), textarea, select');
		};
		const tick = async () => {
			if (running || document.visibilityState !== 'visible' || editing()) return;
			running = true;
			try {
				await refreshAll();
			} catch {
				/* a failed poll shows up on the next successful one; the page keeps its last data */
			} finally {
				running = false;
			}
		};
		const timer = setInterval(tick, intervalMs);
		const onVisibility = () => {
			if (document.visibilityState === 'visible') void tick();
		};
		document.addEventListener('visibilitychange', onVisibility);
		return () => {
			clearInterval(timer);
			document.removeEventListener('visibilitychange', onVisibility);
			document.removeEventListener('input', onInput, true);
			document.removeEventListener('change', onInput, true);
			document.removeEventListener('submit', onSubmit, true);
		};
	});
}
