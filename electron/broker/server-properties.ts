// The server properties of connection.start: what RabbitMQ 3.10.8 announces (version, platform,
// capabilities), so clients that switch features on them behave the same; product and
// information say what this broker is.
import type { Fields } from './codec';

export const SERVER_PROPERTIES: Fields = {
  product: 'SE3 Field Kit broker',
  version: '3.10.8',
  platform: 'Erlang/OTP 25.2.3',
  copyright: '',
  information: `AMQP 0-9-1 broker embedded in SE3 Field Kit (Node.js ${process.version}); RabbitMQ-compatible`,
  cluster_name: 'se3kit',
  capabilities: {
    publisher_confirms: true,
    exchange_exchange_bindings: true,
    'basic.nack': true,
    consumer_cancel_notify: true,
    'connection.blocked': true,
    consumer_priorities: true,
    authentication_failure_close: true,
    per_consumer_qos: true,
    direct_reply_to: false,
  },
};
