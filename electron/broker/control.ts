// The embedded broker as the app runs it ("broker" area): start/stop under the data dir and
// its stats for the Broker panel. (Filled in by the Broker panel work.)
export interface BrokerControl {
  close(): Promise<void>;
}

export interface BrokerControlOptions {
  dataDir: string;
}

export function createBrokerControl(_o: BrokerControlOptions): BrokerControl {
  return { close: async () => {} };
}
