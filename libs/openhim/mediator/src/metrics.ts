import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const LOOP_DELAY_RESOLUTION_MS = 10;

/** Minimal Prometheus-style counters kept in memory by the kit. */
export class KitMetrics {
  // How long the event loop was blocked (a synchronous step such as a slow SQLite write delays every request in
  // flight): the first thing to look at when latency grows but throughput does not.
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({
    resolution: LOOP_DELAY_RESOLUTION_MS,
  });
  private readonly requests = new Map<string, number>();
  private durationSumSeconds = 0;
  private durationCount = 0;
  orchestrations = 0;

  /** Starts measuring event-loop delay. */
  start(): void {
    this.loopDelay.enable();
  }

  /** Stops measuring event-loop delay. */
  stop(): void {
    this.loopDelay.disable();
  }

  /**
   * Counts one answered request.
   *
   * @param status - HTTP status sent
   * @param seconds - handling time
   */
  observe(status: number, seconds: number): void {
    const key = `${Math.floor(status / 100)}xx`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.durationSumSeconds += seconds;
    this.durationCount++;
  }

  /**
   * Renders the metrics in the Prometheus text format.
   *
   * @param urn - mediator urn label
   * @param extra - additional gauges/counters (name → value)
   * @returns exposition text
   */
  render(urn: string, extra: Record<string, number>): string {
    const label = `mediator="${urn}"`;
    const lines = ['# TYPE mediator_requests_total counter'];
    for (const [cls, n] of this.requests) {
      lines.push(`mediator_requests_total{${label},class="${cls}"} ${n}`);
    }
    lines.push('# TYPE mediator_request_duration_seconds summary');
    lines.push(`mediator_request_duration_seconds_sum{${label}} ${this.durationSumSeconds.toFixed(6)}`);
    lines.push(`mediator_request_duration_seconds_count{${label}} ${this.durationCount}`);
    lines.push(`mediator_orchestrations_total{${label}} ${this.orchestrations}`);
    // Node's histogram holds the time between samples in nanoseconds (the sampling interval included), and
    // nothing until the first sample: report the delay beyond the interval, once sampled.
    if (this.loopDelay.count > 0) {
      const late = (ns: number): string =>
        (Math.max(0, ns - LOOP_DELAY_RESOLUTION_MS * 1e6) / 1e9).toFixed(6);
      lines.push('# TYPE nodejs_eventloop_delay_seconds summary');
      for (const q of [0.5, 0.99]) {
        lines.push(
          `nodejs_eventloop_delay_seconds{${label},quantile="${q}"} ${late(this.loopDelay.percentile(q * 100))}`,
        );
      }
      lines.push(`nodejs_eventloop_delay_max_seconds{${label}} ${late(this.loopDelay.max)}`);
    }
    for (const [name, value] of Object.entries(extra)) {
      lines.push(`${name}{${label}} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
