/**
 * `GET /`: the worker's version, the build's commit and the Kafka cluster it uses (Connect's
 * RootResource). The standalone worker has no Kafka cluster: `kafka_cluster_id` is then null.
 */
import type { FastifyInstance } from 'fastify';
import type { Herder } from '../herder.js';

export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string | null;
}

export function registerRootRoutes(app: FastifyInstance, herder: Herder, commit: string, kafkaClusterId: string | null): void {
  app.get('/', async (): Promise<ServerInfo> => ({ version: herder.version, commit, kafka_cluster_id: kafkaClusterId }));
}
