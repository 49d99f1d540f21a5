/**
 * The exit codes of every lers command line (`lers`, `lers-data`): 0 success, 1 usage error (bad
 * flags or options, an impossible request), 2 data or model error (missing, malformed or
 * inconsistent input), 130 interrupted (Ctrl-C / SIGTERM).
 */
export const EXIT = { ok: 0, usage: 1, data: 2, interrupted: 130 } as const;
