/** Axis helpers: byte ticks at powers of 4 KB, so a log axis reads 1 KB, 4 KB, 16 KB ... */
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
