/**
 * Preloaded (`node --import`) into every mediator process `npm start` runs: the mediator stops when the start
 * process is gone, however it ended. The start process holds the write end of the mediator's stdin pipe; when it
 * dies — even by SIGKILL, which it cannot catch — the operating system closes that end and stdin reaches its end.
 * The mediator then sends itself SIGTERM, so it shuts down as on Ctrl-C (close-with-grace: finish requests, close the
 * staging store) and frees its port for the next start.
 */
import { fstatSync } from 'node:fs';

// Only a pipe (Node's child-process pipes are socket pairs) says anything about the parent: stdin from /dev/null or a
// terminal ends or stays open on its own.
const stat = fstatSync(0);
if (stat.isFIFO() || stat.isSocket()) {
  const stdin = process.stdin;
  const stop = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  stdin.once('end', stop);
  stdin.once('error', stop);
  stdin.resume();
  // The pipe alone must not keep alive a mediator that has closed everything else.
  (stdin as unknown as { unref?: () => void }).unref?.();
}
