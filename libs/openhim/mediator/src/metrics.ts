/** Minimal Prometheus-style counters kept in memory by the kit. */
export class KitMetrics {
  private readonly requests = new Map<string, number>();
  private durationSumSeconds = 0;
  private durationCount = 0;
  orchestrations = 0;

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
    for (const [name, value] of Object.entries(extra)) {
      lines.push(`${name}{${label}} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
