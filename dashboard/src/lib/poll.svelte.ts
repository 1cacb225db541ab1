import { refreshAll } from '$app/navigation';

/**
 * Live updates: re-runs the page's load functions every `intervalMs` while the tab is visible (and once when
 * it becomes visible again). Skips a beat while someone is typing in a form or a refresh is still running,
 * so it never fights the user. Call during component initialisation.
 */
export function pollWhileVisible(intervalMs = 5000): void {
	$effect(() => {
		let running = false;
		const editing = () => {
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
		};
	});
}
