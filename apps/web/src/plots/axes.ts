/** Axis helpers: log-axis ticks that do not crowd (bytes at powers of 4, milliseconds at 1-2-5 steps). */
import { formatBytes } from '@lers/advisor';

/** Tick values for a log byte axis covering [min, max]: 1024 * 4^k (and 256, 64 ... below 1 KB). */
export function byteTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let t = 16; t <= max * 4; t *= 4) if (t >= min / 4) ticks.push(t);
  return ticks.filter((t) => t >= min / 1.5 && t <= max * 1.5);
}

/** "4 KB", "1 MB": byte ticks without needless decimals. */
export function byteTick(b: number): string {
  return formatBytes(b).replace(/\.0+ /, ' ');
}

/** Tick values for a log millisecond axis covering [min, max]: 1, 2, 5 x 10^k, thinned to 1 and 5 x 10^k when more than 8. */
export function msTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(min)) - 1; k <= Math.ceil(Math.log10(max)); k++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** k;
      if (t >= min / 1.3 && t <= max * 1.3) ticks.push(Number(t.toPrecision(1)));
    }
  }
  return ticks.length > 8 ? ticks.filter((t) => /^[15]/.test(String(t).replace(/^0\.0*/, ''))) : ticks;
}

/** "0.05 ms", "2 ms". */
export function msTick(ms: number): string {
  return `${ms} ms`;
}
