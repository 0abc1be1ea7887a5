// The SE3 protocol (../../shared/PROTOCOL.md) as code: message types and validation, the one
// module both the agent (box side) and the platform/desktop services (platform side) use.
export * from './codes';
export * from './config-api';
export * from './login';
export * from './urls';
export * from './commands';
export * from './user-details';
export * from './results';
