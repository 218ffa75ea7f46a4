import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimSandbox, cleanSandboxState, dataLayout, resetSandbox, sandboxSecrets } from './data-dir';

describe('the data directory of npm start', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'data-dir-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the sandbox apart from the staging store used against real systems', () => {
    expect(dataLayout(dir, true).stagingDb).toBe(join(dir, 'sandbox', 'payment-layer.sqlite'));
    expect(dataLayout(dir, false).stagingDb).toBe(join(dir, 'payment-layer.sqlite'));
  });

  it('generates the sandbox secrets once, private to the user, and reuses them', () => {
    const layout = dataLayout(dir, true);
    const first = sandboxSecrets(layout);
    expect(first.routePassword.length).toBeGreaterThanOrEqual(12);
    expect(first.hookSecret.length).toBeGreaterThanOrEqual(16);
    expect(statSync(layout.secrets).mode & 0o077).toBe(0);
    expect(sandboxSecrets(layout)).toEqual(first);
    // A damaged file (e.g. cut by a crash) is replaced, not trusted.
    writeFileSync(layout.secrets, '{"routePassword": "x"');
    expect(sandboxSecrets(layout).routePassword).not.toBe(first.routePassword);
  });

  it('empties the staging store (with its WAL) and keeps the previous logs aside', () => {
    const layout = dataLayout(dir, true);
    mkdirSync(layout.logs, { recursive: true });
    for (const f of ['', '-wal', '-shm']) {
      writeFileSync(`${layout.stagingDb}${f}`, 'old');
    }
    writeFileSync(join(layout.logs, 'payment-mediator.log'), 'last run');
    cleanSandboxState(layout);
    for (const f of ['', '-wal', '-shm']) {
      expect(existsSync(`${layout.stagingDb}${f}`)).toBe(false);
    }
    expect(readFileSync(join(layout.logs, 'payment-mediator.previous.log'), 'utf8')).toBe('last run');
  });

  it('refuses a second run on a folder in use and takes over the folder of a dead run', async () => {
    const layout = dataLayout(dir, true);
    mkdirSync(layout.dir, { recursive: true });
    // A live process other than this one (the parent of jest's worker) holds the folder.
    writeFileSync(layout.runFile, JSON.stringify({ pid: process.ppid, children: [] }));
    await expect(claimSandbox(layout)).rejects.toThrow(/another npm start \(pid \d+\) is running/);
    expect(() => {
      resetSandbox(layout);
    }).toThrow(/stop it before resetting/);

    // A finished process: its pid is free (and its mediators gone).
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(layout.runFile, JSON.stringify({ pid: Number(dead), children: [Number(dead)] }));
    const claim = await claimSandbox(layout, 1000);
    expect(JSON.parse(readFileSync(layout.runFile, 'utf8'))).toEqual({ pid: process.pid, children: [] });
    claim.recordChildren([123]);
    expect(JSON.parse(readFileSync(layout.runFile, 'utf8')).children).toEqual([123]);
    claim.release();
    expect(existsSync(layout.runFile)).toBe(false);
    resetSandbox(layout);
    expect(existsSync(layout.dir)).toBe(false);
  });
});
