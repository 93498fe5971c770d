import { describe, expect, it } from 'vitest';
import { WriteBuffers } from './write-buffers.ts';

describe('WriteBuffers', () => {
  it('reuses given-back buffers instead of allocating new ones', () => {
    const set = new WriteBuffers(1024, 4);
    const a = set.tryTake()!;
    const b = set.tryTake()!;
    set.give(a);
    set.give(b);
    const again = [set.tryTake(), set.tryTake()];
    expect(again).toContain(a);
    expect(again).toContain(b);
    expect(set.stats()).toEqual({ allocated: 2, free: 0, waiting: 0 });
  });

  it('never allocates more than max: tryTake answers undefined, take waits and is served first come first served', async () => {
    const set = new WriteBuffers(1024, 2);
    const a = set.tryTake()!;
    const b = set.tryTake()!;
    expect(set.tryTake()).toBeUndefined();
    const order: string[] = [];
    const first = set.take().then((buf) => (order.push('first'), buf));
    const second = set.take().then((buf) => (order.push('second'), buf));
    expect(set.stats()).toEqual({ allocated: 2, free: 0, waiting: 2 });
    set.give(b);
    expect(await first).toBe(b);
    set.give(a);
    expect(await second).toBe(a);
    expect(order).toEqual(['first', 'second']);
    expect(set.stats()).toEqual({ allocated: 2, free: 0, waiting: 0 });
  });

  it('refuses a buffer that is not one of the set', () => {
    const set = new WriteBuffers(1024, 2);
    expect(() => set.give(Buffer.alloc(10))).toThrow(TypeError);
  });
});
