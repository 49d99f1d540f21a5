/** Unit tests of the bench queue: Redis URLs and their redaction, the flows of a grid, progress lines. */
import { describe, expect, it } from 'vitest';
import { expandGrid, PROFILES } from '../src/bench/grid.js';
import { UsageError } from '../src/cli/errors.js';
import { jobIds, runFlows, startsFromBaseline } from '../src/queue/flows.js';
import { progressLine } from '../src/queue/progress.js';
import { parseRedisUrl, queueUrl, redact, redactUrl } from '../src/queue/redis-url.js';
import type { CellRecord, RunSnapshot } from '../src/queue/run-state.js';

describe('Redis URLs', () => {
  it('parses host, port, database, user, password and TLS', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, tls: false, shown: 'redis://10.0.0.5:6380/2' });
    expect(parseRedisUrl('redis://h')).toMatchObject({ host: 'h', port: 6379, db: 0 });
    const t = parseRedisUrl('rediss://alice:p%40ss@h:6380');
    expect(t).toMatchObject({ username: 'alice', password: 'p@ss', tls: true, shown: 'rediss://alice:***@h:6380' });
    expect(parseRedisUrl('redis://:only-pass@h:1')).toMatchObject({ password: 'only-pass', shown: 'redis://:***@h:1' });
    expect(parseRedisUrl('redis://legacy-pass@h:1')).toMatchObject({ password: 'legacy-pass', shown: 'redis://***@h:1' });
    expect(parseRedisUrl('redis://:only-pass@h:1').username).toBeUndefined();
  });

  it('rejects what is not a Redis URL, without printing its password', () => {
    expect(() => parseRedisUrl('http://h:1')).toThrow(UsageError);
    expect(() => parseRedisUrl('redis://h:1/x')).toThrow(/database .* must be a number/);
    try {
      parseRedisUrl('redis://:top-secret@h:1/x');
    } catch (err) {
      expect((err as Error).message).not.toContain('top-secret');
    }
  });

  it('redacts URLs and the raw or encoded password anywhere in a text', () => {
    expect(redactUrl('redis://u:pw@h:1/0')).toBe('redis://u:***@h:1/0');
    const t = parseRedisUrl('redis://:a%2Fb@h:1');
    expect(redact('auth a/b failed for redis://:a%2Fb@h:1 (a%2Fb)', t)).toBe('auth *** failed for redis://:***@h:1 (***)');
  });

  it('takes the flag, else LERS_REDIS_URL; not given: a local run', () => {
    const env = { LERS_REDIS_URL: 'redis://e:1' };
    expect(queueUrl('redis://f:1', false, env)).toBe('redis://f:1');
    expect(queueUrl(true, false, env)).toBe('redis://e:1');
    expect(queueUrl(undefined, false, env)).toBeNull();
    expect(queueUrl(undefined, true, env)).toBe('redis://e:1');
    expect(() => queueUrl(true, false, {})).toThrow(/needs a Redis URL/);
  });
});

describe('flows of a grid', () => {
  const cells = expandGrid({ datasets: ['synthetic-cf', 'synthetic-ctr'], backbones: ['lightgcn', 'deepfm'], methods: ['qr', 'magprune'], targets: [0.5, 0.8] }, PROFILES.quick, {});
  const run = { runId: 'abc', nonce: 'n1' };
  const flows = runFlows(run, cells, 3);

  it('one flow per dataset x backbone; the baseline under after-baseline; post-training cells released by it', () => {
    expect(flows.map((f) => f.opts?.jobId)).toEqual(['abc.n1.group.synthetic-cf__lightgcn', 'abc.n1.group.synthetic-ctr__deepfm']);
    for (const f of flows) {
      const children = f.children ?? [];
      const after = children.find((c) => c.name === 'after-baseline')!;
      expect(after.children?.map((c) => (c.data as { cellId: string }).cellId)).toEqual([expect.stringMatching(/__full__full$/)]);
      // qr trains on its own; magprune starts from the full model.
      expect(children.filter((c) => c.name === 'cell').map((c) => (c.data as { cellId: string }).cellId)).toEqual([expect.stringMatching(/__qr__50$/), expect.stringMatching(/__qr__80$/)]);
      expect((after.data as { dependents: string[] }).dependents).toEqual([expect.stringMatching(/__magprune__50$/), expect.stringMatching(/__magprune__80$/)]);
    }
    expect(cells.filter(startsFromBaseline).map((c) => c.method)).toEqual(['magprune', 'magprune', 'magprune', 'magprune']);
  });

  it('every cell has one job id, without ":", with bounded attempts', () => {
    const all = flows.flatMap(function walk(f): { id: string; attempts?: number }[] {
      return [{ id: f.opts!.jobId!, attempts: f.opts!.attempts }, ...(f.children ?? []).flatMap(walk)];
    });
    const cellIds = cells.filter((c) => !startsFromBaseline(c)).map((c) => jobIds.cell(run, c.id));
    for (const id of cellIds) expect(all.filter((j) => j.id === id)).toEqual([{ id, attempts: 3 }]);
    for (const j of all) expect(j.id).not.toContain(':');
  });
});

describe('progress lines', () => {
  it('counts done, failed, running and queued cells, and what each worker does', () => {
    const rec = (status: 'ok' | 'failed', worker: string): CellRecord => ({ result: { id: 'x', hash: 'h', dataset: 'd', backbone: 'lightgcn', method: 'qr', kind: 'trained', target: 0.5, status, seconds: 1, finishedAt: '' }, worker, modelSha256: null });
    const snap: RunSnapshot = {
      records: new Map([['a', rec('ok', 'w1')], ['b', rec('failed', 'w2')]]),
      active: new Map([['c', { worker: 'w2', since: '' }]]),
      starts: new Map(),
    };
    expect(progressLine('r1', 5, snap)).toBe('queue run r1: 1/5 done, 1 failed, 1 running, 2 queued | w1 1 done; w2 0 done, 1 failed, running c');
  });
});
