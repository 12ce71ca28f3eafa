/**
 * `GET /metrics`: the worker's metrics in Prometheus's text format (worker/metrics.ts), for a
 * Prometheus scrape. Rendering reads gauges such as the slot lag on the spot.
 */
import type { FastifyInstance } from 'fastify';

export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

export function registerMetricsRoute(app: FastifyInstance, metrics: MetricsSource): void {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.code(200).header('content-type', contentType).send(body);
  });
}
