/**
 * A mock Kafka cluster in a process of its own (startMockKafkaProcess in kafka-mock.ts starts it):
 * prints the cluster's bootstrap servers as one line on standard output, then keeps the cluster
 * until standard input closes or it is told to stop. A test can then freeze the whole cluster
 * (SIGSTOP) and let it go on (SIGCONT), as a broker that hangs and comes back with its data.
 */
import { startMockKafka } from './kafka-mock.js';

const brokers = Number(process.argv[2] ?? '1');
const mock = await startMockKafka(brokers);
process.stdout.write(`${mock.bootstrapServers}\n`);
const stop = () => void mock.stop().finally(() => process.exit(0));
process.stdin.on('end', stop).resume();
process.once('SIGTERM', stop);
