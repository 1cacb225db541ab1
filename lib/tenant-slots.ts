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

  /**
   * Runs `work` holding one of the tenant's slots, freed when it settles; when the tenant holds all of them, returns
   * `whenFull()` at once instead.
   */
  async run<T>(tenantId: string, work: () => Promise<T>, whenFull: () => T): Promise<T> {
    const used = this.#inUse.get(tenantId) ?? 0;
    if (used >= this.perTenant) return whenFull();
    this.#inUse.set(tenantId, used + 1);
    try {
      return await work();
    } finally {
      const left = (this.#inUse.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#inUse.set(tenantId, left);
      else this.#inUse.delete(tenantId);
    }
  }
}

/**
 * How long a capped slow-lane batch waits before it tries again (jittered, so a tenant's batches spread out). Each
 * try costs its workflow an activity and a timer in history; a slot it waits for is held up to 15 s.
 */
export function slotRetryMs(): number {
  return 5_000 + Math.floor(Math.random() * 2_500);
}
