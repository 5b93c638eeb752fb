import type { GatewayMetrics } from '../../http/metrics.js';
import type { Logger } from '../../logging.js';
import type { AppendObserver } from './access-log.writer.js';

/**
 * What the gateway makes of the access-log writer's reports (O2, O3, issue 18): append latency and failures, and the
 * events folded reads stored, in metrics when they are kept (`metrics` null: none, and nothing else is lost). Folded
 * events the response did not place exactly are also logged as an error — request id and sequences only, never the
 * subject or its records: an auditor finds the events by those.
 */
export function accessLogObserver(
  metrics: Pick<GatewayMetrics, 'appendLatency' | 'appendFailures' | 'foldedEvents'> | null, logger: Logger,
): AppendObserver {
  return {
    appended: (seconds) => metrics?.appendLatency.observe(seconds),
    failed: () => metrics?.appendFailures.inc(),
    folded: (events, unmatched, requestId) => {
      if (events > unmatched.length) metrics?.foldedEvents.inc({ outcome: 'matched' }, events - unmatched.length);
      if (unmatched.length === 0) return;
      metrics?.foldedEvents.inc({ outcome: 'unmatched' }, unmatched.length);
      // L1: the log holds events beyond what the response placed (an append-only chain keeps them): an auditor
      // finds them by these sequences; the response's own entries were stored as well
      logger.error('folded access events the response did not place exactly', { requestId, sequences: [...unmatched] });
    },
    foldFailed: () => metrics?.foldedEvents.inc({ outcome: 'failed' }),
  };
}
