// @vitest-environment node
// One contract, every backend: in process memory here; Redis joins in the same file.
import { createRateLimiter } from '../../../../server/session/rate-limiter.ts';
import { describeRateLimiter } from './limiter-contract.ts';

describeRateLimiter({
  name: 'memory',
  create: async () => ({ limiter: createRateLimiter({ windowSeconds: 1 }), close: async () => undefined }),
});
