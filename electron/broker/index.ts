// The embedded AMQP 0-9-1 broker (public API).
export { startBroker } from './broker';
export { FULL_PERMISSIONS, type Broker, type BrokerOptions, type BrokerUserSpec } from './broker-api';
export type { Permission } from './auth';
export type { BrokerStats, ConnectionStats, ChannelStats, QueueStats } from './stats';
export { parseRabbitDefinitions, toRabbitDefinitions, type RabbitDefinitions, type ImportSummary } from './definitions';
export type { RefusedLogin } from './core';
