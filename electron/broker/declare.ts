// exchange.* and queue.* methods of a channel.
import { AmqpError, encodeMethod, fail, M, type Fields } from './codec';
import { checkExclusive, type Channel } from './channel';
import type { Binding } from './exchange';
import { Vhost } from './vhost';

export function handleDeclareMethod(ch: Channel, id: number, f: Fields): void {
  const conn = ch.conn;
  const vhost = conn.vhost;
  const reply = (method: number, fields: Fields = {}) => {
    if (!f.nowait) conn.send(encodeMethod(method, ch.number, fields));
  };
  switch (id) {
    case M.ExchangeDeclare: {
      if (f.passive) {
        if (f.exchange === '') fail(403, 'operation not permitted on the default exchange');
        vhost.exchange(f.exchange);
      } else {
        conn.allowed('configure', 'exchange', f.exchange);
        vhost.declareExchange(f.exchange, f.type, f.durable, f.autoDelete, f.internal, f.arguments ?? {});
      }
      return reply(M.ExchangeDeclareOk);
    }
    case M.ExchangeDelete:
      conn.allowed('configure', 'exchange', f.exchange);
      vhost.deleteExchange(f.exchange, f.ifUnused);
      return reply(M.ExchangeDeleteOk);
    case M.ExchangeBind:
    case M.ExchangeUnbind: {
      const b: Binding = {
        source: f.source,
        destination: f.destination,
        destinationType: 'exchange',
        routingKey: f.routingKey,
        args: f.arguments ?? {},
      };
      if (b.source === '' || b.destination === '') fail(403, 'operation not permitted on the default exchange');
      conn.allowed('write', 'exchange', b.destination);
      conn.allowed('read', 'exchange', b.source);
      if (id === M.ExchangeBind) vhost.bind(b);
      else vhost.unbind(b);
      return reply(id === M.ExchangeBind ? M.ExchangeBindOk : M.ExchangeUnbindOk);
    }
    case M.QueueDeclare: {
      if (f.passive) {
        const q = ch.queueFor(f.queue);
        ch.lastQueue = q.name;
        return reply(M.QueueDeclareOk, { queue: q.name, messageCount: q.messageCount, consumerCount: q.consumers.length });
      }
      const name: string = f.queue === '' ? Vhost.generatedName() : f.queue;
      conn.allowed('configure', 'queue', name);
      const existing = vhost.queues.get(name);
      if (existing) checkExclusive(ch, existing);
      const { queue, created } = vhost.declareQueue(name, {
        durable: f.durable,
        autoDelete: f.autoDelete,
        exclusiveOwner: f.exclusive ? conn : null,
        args: f.arguments ?? {},
      });
      if (created && f.exclusive) conn.exclusiveQueues.add(queue);
      ch.lastQueue = name;
      return reply(M.QueueDeclareOk, { queue: name, messageCount: queue.messageCount, consumerCount: queue.consumers.length });
    }
    case M.QueueBind:
    case M.QueueUnbind: {
      const qname: string = f.queue === '' ? ch.lastQueue : f.queue;
      if (f.exchange === '') fail(403, 'operation not permitted on the default exchange');
      conn.allowed('write', 'queue', qname);
      conn.allowed('read', 'exchange', f.exchange);
      const q = vhost.queue(qname);
      checkExclusive(ch, q);
      const b: Binding = {
        source: f.exchange,
        destination: q.name,
        destinationType: 'queue',
        routingKey: f.routingKey === '' && f.queue === '' ? ch.lastQueue : f.routingKey,
        args: f.arguments ?? {},
      };
      if (id === M.QueueBind) {
        vhost.bind(b);
        return reply(M.QueueBindOk);
      }
      vhost.unbind(b);
      return conn.send(encodeMethod(M.QueueUnbindOk, ch.number));
    }
    case M.QueuePurge: {
      const q = ch.queueFor(f.queue);
      conn.allowed('read', 'queue', q.name);
      return reply(M.QueuePurgeOk, { messageCount: q.purge() });
    }
    case M.QueueDelete: {
      const q = vhost.queues.get(f.queue === '' ? ch.lastQueue : f.queue);
      if (!q) return reply(M.QueueDeleteOk, { messageCount: 0 });
      checkExclusive(ch, q);
      conn.allowed('configure', 'queue', q.name);
      if (f.ifUnused && q.consumers.length > 0) fail(406, `queue '${q.name}' in vhost '${vhost.name}' in use`);
      if (f.ifEmpty && q.messageCount > 0) fail(406, `queue '${q.name}' in vhost '${vhost.name}' is not empty`);
      const n = vhost.deleteQueue(q, 'deleted');
      conn.exclusiveQueues.delete(q);
      return reply(M.QueueDeleteOk, { messageCount: n });
    }
    default:
      throw new AmqpError(540, `NOT_IMPLEMENTED - method ${id >>> 16}.${id & 0xffff} is not supported`, id);
  }
}
