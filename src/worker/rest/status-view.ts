/**
 * Connector and task states as Connect serialises them: fields in Connect's order and `trace` left
 * out when empty (Jackson's NON_EMPTY), whatever the herder put in the object. Pure.
 */
import type { ConnectorStatus, TaskStatus } from '../herder.js';

export function connectorStatusView(status: ConnectorStatus): ConnectorStatus {
  const { state, worker_id, trace } = status.connector;
  return {
    name: status.name,
    connector: { state, worker_id, ...(trace ? { trace } : {}) },
    tasks: status.tasks.map(taskStatusView),
    type: status.type,
  };
}

export function taskStatusView(task: TaskStatus): TaskStatus {
  return { id: task.id, state: task.state, worker_id: task.worker_id, ...(task.trace ? { trace: task.trace } : {}) };
}
