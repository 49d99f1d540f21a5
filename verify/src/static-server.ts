/** A static file server for the built pages, with or without the headers that isolate a page. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, so WASM threads). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 (a random port); `/` is the file `index` (default root/index.html). */
export async function serveStatic(root: string, isolated: boolean, index = join(root, 'index.html')): Promise<RunningServer> {
  const headers = isolated ? ISOLATION_HEADERS : {};
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = path === sep || path === '/' ? index : join(root, path);
    if ((file === index || file.startsWith(root)) && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    } else {
      res.writeHead(404, headers).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => { server.close(() => { resolve(); }); }),
  };
}
