/**
 * Slots per tenant inside one worker process: at most `perTenant` of a tenant's tasks hold one at a time. The
 * slow lane uses it (docs/architecture.md "Slow receivers"): Temporal's fairness orders which task a free slot
 * takes, but a task keeps its slot until it ends — up to a 15 s forward timeout there — so without a cap one
 * tenant's receivers that hang could hold every slow-lane slot, and another tenant's next task would still wait
 * for one to free.
 */
export class TenantSlots {
  readonly #inUse = new Map<string, number>();
  readonly perTenant: number;

  constructor(perTenant: number) {
    this.perTenant = perTenant;
  }

  /** A release function when the tenant has a slot free (call it exactly once), else null. */
  tryAcquire(tenantId: string): (() => void) | null {
    const used = this.#inUse.get(tenantId) ?? 0;
    if (used >= this.perTenant) return null;
    this.#inUse.set(tenantId, used + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inUse.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#inUse.set(tenantId, left);
      else this.#inUse.delete(tenantId);
    };
  }

  /** Slots the tenant holds now. */
  used(tenantId: string): number {
    return this.#inUse.get(tenantId) ?? 0;
  }
}

/**
 * How long a capped slow-lane batch waits before it tries again (jittered, so a tenant's batches spread out). Each
 * try costs its workflow an activity and a timer in history; a slot it waits for is held up to 15 s.
 */
export function slotRetryMs(): number {
  return 5_000 + Math.floor(Math.random() * 2_500);
}
