/**
 * The part of vitest's API the kernel tests use (describe, it, expect and its matchers), for
 * running the same test files in a browser page (test/browser.test.ts bundles them with this in
 * place of 'vitest'). `runAll()` runs the registered tests in order and reports each.
 */
type TestFn = () => unknown;

interface Registered {
  readonly name: string;
  readonly fn: TestFn | null;
}

/** One test's outcome. */
export interface ShimResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly error?: string;
  readonly ms: number;
}

const registered: Registered[] = [];
const path: string[] = [];

function describeImpl(name: string, fn: () => void): void {
  path.push(name);
  try {
    fn();
  } finally {
    path.pop();
  }
}

export const describe = Object.assign(describeImpl, {
  skipIf: (condition: boolean) => (name: string, fn: () => void) => {
    if (!condition) describeImpl(name, fn);
    else registered.push({ name: [...path, name].join(' > '), fn: null });
  },
});

export function it(name: string, fn: TestFn): void {
  registered.push({ name: [...path, name].join(' > '), fn });
}

/** Runs every registered test in order. */
export async function runAll(): Promise<ShimResult[]> {
  const results: ShimResult[] = [];
  for (const t of registered) {
    const start = performance.now();
    if (!t.fn) {
      results.push({ name: t.name, status: 'skipped', ms: 0 });
      continue;
    }
    try {
      await t.fn();
      results.push({ name: t.name, status: 'passed', ms: performance.now() - start });
    } catch (e) {
      results.push({ name: t.name, status: 'failed', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), ms: performance.now() - start });
    }
  }
  return results;
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

type ErrorClass = abstract new (...args: never[]) => unknown;

function matchesError(e: unknown, expected?: string | RegExp | ErrorClass): boolean {
  if (expected === undefined) return true;
  if (typeof expected === 'function') return e instanceof expected;
  const message = e instanceof Error ? e.message : String(e);
  return typeof expected === 'string' ? message.includes(expected) : expected.test(message);
}

class Assertion {
  constructor(
    private readonly actual: unknown,
    private readonly label = '',
  ) {}

  private check(ok: boolean, what: string): void {
    if (!ok) throw new Error(`${this.label ? `${this.label}: ` : ''}${what}`);
  }

  toBe(expected: unknown): void {
    this.check(Object.is(this.actual, expected), `expected ${show(this.actual)} to be ${show(expected)}`);
  }

  toEqual(expected: unknown): void {
    this.check(same(this.actual, expected), `expected ${show(this.actual)} to equal ${show(expected)}`);
  }

  toBeUndefined(): void {
    this.check(this.actual === undefined, `expected ${show(this.actual)} to be undefined`);
  }

  toBeInstanceOf(cls: ErrorClass): void {
    this.check(this.actual instanceof cls, `expected ${show(this.actual)} to be an instance of ${cls.name}`);
  }

  toContain(part: string): void {
    this.check(typeof this.actual === 'string' && this.actual.includes(part), `expected ${show(this.actual)} to contain ${part}`);
  }

  toBeGreaterThan(n: number): void {
    this.check(typeof this.actual === 'number' && this.actual > n, `expected ${show(this.actual)} > ${n}`);
  }

  toThrow(expected?: string | RegExp | ErrorClass): void {
    let thrown: unknown = undefined;
    let threw = false;
    try {
      (this.actual as () => unknown)();
    } catch (e) {
      thrown = e;
      threw = true;
    }
    this.check(threw && matchesError(thrown, expected), `expected a throw matching ${String(expected)}, got ${threw ? String(thrown) : 'none'}`);
  }

  get rejects(): { toThrow(expected?: string | RegExp | ErrorClass): Promise<void> } {
    return {
      toThrow: async (expected) => {
        let thrown: unknown = undefined;
        let threw = false;
        try {
          await (this.actual as Promise<unknown>);
        } catch (e) {
          thrown = e;
          threw = true;
        }
        this.check(threw && matchesError(thrown, expected), `expected a rejection matching ${String(expected)}, got ${threw ? String(thrown) : 'none'}`);
      },
    };
  }
}

export const expect = Object.assign((actual: unknown, label?: string) => new Assertion(actual, label), {
  fail(message: string): never {
    throw new Error(message);
  },
});
