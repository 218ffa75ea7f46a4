import { MockAgent } from 'undici';

/**
 * A MockAgent that refuses real network connections, for client tests.
 *
 * @returns a fresh agent; call `assertNoPendingInterceptors()` and `close()` in afterEach
 */
export function createMockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}
