// The embedded AMQP 0-9-1 broker (public API).
export { startBroker } from './broker';
export { FULL_PERMISSIONS, type Broker, type BrokerOptions, type BrokerUserSpec, type WarmUpReport, type WarmUpSettings } from './broker-api';
export { WARM_UP_BUDGET_MS, WARM_UP_MESSAGES } from './warm-up';
export type { Permission } from './auth';
export type { BrokerStats, ConnectionStats, ChannelStats, QueueStats } from './stats';
export { parseRabbitDefinitions, toRabbitDefinitions, type RabbitDefinitions, type ImportSummary } from './definitions';
export type { RefusedLogin } from './core';
